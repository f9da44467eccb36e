using System.Diagnostics;
using System.Text;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>A program run as a child process (a built server, a build script), its output captured, killed at the end.</summary>
internal sealed class ChildProgram : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _readers = 2;

    private ChildProgram(Process process) => _process = process;

    /// <summary>Stdout and stderr, interleaved in arrival order.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public static ChildProgram Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A child build must not inherit the test host's MSBuild environment.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProgram(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);

        // Exited, not the end of its output: a build server it started may hold the pipes open.
        process.Exited += (_, _) => _ = child._drained.Task.WaitAsync(TimeSpan.FromSeconds(2))
            .ContinueWith(_ => child._exited.TrySetResult(), TaskScheduler.Default);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs to its exit within <paramref name="timeout"/> (killed and failed after it).</summary>
    public static async Task<ChildProgram> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var child = Start(fileName, arguments, workingDirectory, environment);
        await child.WaitForExitAsync(timeout);
        return child;
    }

    /// <summary>The dotnet host the tests run on.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} did not exit within {timeout}. Output:\n{Output}");
        }
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; fails with the output when the program exits or the time is up first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_exited.Task.IsCompleted)
            {
                Assert.Fail($"exited with {_process.ExitCode} before printing '{text}'. Output:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"did not print '{text}' within {timeout}. Output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            // Both streams at their end: every line is in Output.
            if (Interlocked.Decrement(ref _readers) == 0)
            {
                _drained.TrySetResult();
            }

            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
