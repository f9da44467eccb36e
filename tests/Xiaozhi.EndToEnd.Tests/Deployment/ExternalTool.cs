using System.Diagnostics;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>
/// The real tools the deployment files are checked with (haproxy, promtool, systemd-analyze, dotnet). A missing
/// tool fails the test with what to install, never skips it.
/// </summary>
internal static class ExternalTool
{
    /// <summary>The full path of <paramref name="command"/> on PATH, or a failed test naming the package to install.</summary>
    public static string Require(string command, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new AssertionException(
            $"'{command}' is not installed, and this test runs it for real: install the Debian package '{package}' (apt-get install -y {package}; ./build.sh test does it when run as root)");
    }

    /// <summary>Runs the tool to completion (bounded by <paramref name="timeout"/>, default 2 minutes).</summary>
    public static async Task<ToolResult> RunAsync(
        string command,
        string package,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Require(command, package))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryFiles.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        using var process = Process.Start(start) ?? throw new AssertionException($"could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new AssertionException($"{command} {string.Join(' ', start.ArgumentList)} did not finish within {timeout ?? TimeSpan.FromMinutes(2)}");
        }

        var name = $"{command} {string.Join(' ', start.ArgumentList)}";
        return new ToolResult(name, process.ExitCode, (await stdout) + (await stderr));
    }
}
