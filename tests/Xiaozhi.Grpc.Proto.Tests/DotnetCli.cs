using Xiaozhi.Hosting;

namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>Runs the dotnet CLI (the kit's <see cref="ChildProcess"/>, without the test host's MSBuild variables) and captures its output.</summary>
internal static class DotnetCli
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        using var dotnet = await ChildProcess.RunAsync("dotnet", arguments, workingDirectory, timeout);
        return (dotnet.ExitCode, dotnet.Output);
    }
}
