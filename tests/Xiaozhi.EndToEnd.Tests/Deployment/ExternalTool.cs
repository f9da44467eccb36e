namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>
/// The real tools the deployment files are checked with (haproxy, promtool, systemd-analyze, dotnet), run by the
/// kit's <see cref="ChildProcess"/>. A missing tool fails the test with what to install, never skips it.
/// </summary>
internal static class ExternalTool
{
    /// <summary>The full path of <paramref name="command"/>, or a failed test naming the package to install.</summary>
    public static string Require(string command, string package) =>
        Executables.Find(command) ?? throw new AssertionException(
            $"'{command}' is not installed, and this test runs it for real: install the Debian package '{package}' (apt-get install -y {package}; ./build.sh test does it when run as root)");

    /// <summary>Runs the tool to completion (bounded by <paramref name="timeout"/>, default 2 minutes).</summary>
    public static async Task<ToolResult> RunAsync(
        string command,
        string package,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        var options = new ChildProcessOptions(command, Require(command, package))
        {
            Arguments = [.. arguments],
            WorkingDirectory = workingDirectory ?? RepositoryFiles.Root,
            Environment = environment,
        };
        var name = $"{command} {string.Join(' ', options.Arguments)}";
        try
        {
            using var tool = await ChildProcess.RunAsync(options, limit);
            return new ToolResult(name, tool.ExitCode, tool.Output);
        }
        catch (TimeoutException)
        {
            throw new AssertionException($"{name} did not finish within {limit}");
        }
    }
}
