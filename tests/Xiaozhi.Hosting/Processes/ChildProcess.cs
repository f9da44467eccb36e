using System.Diagnostics;

namespace Xiaozhi.Hosting;

/// <summary>
/// A program run as a child process: stdout and stderr captured line by line (interleaved in arrival order), stdin
/// open for commands, signals (SIGTERM, SIGKILL, SIGSTOP / SIGCONT) and bounded waits; killed with what it started on
/// dispose. Every wait fails with the output's tail when the program exits first.
/// </summary>
public sealed class ChildProcess : IDisposable, IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private ChildProcess(ChildProcessOptions options, Process process)
    {
        Options = options;
        _process = process;
    }

    /// <summary>What it was started with (start it again with <see cref="Start(ChildProcessOptions)"/> for a restart).</summary>
    public ChildProcessOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>The process id (of the program itself under taskset, which execs it).</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Valid once <see cref="Exited"/> completed.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process exited and its output was read (at most 2 s later: a build server it started may hold the pipes open).</summary>
    public Task Exited => _exited.Task;

    /// <summary>The kept output lines, one per line.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Concat(_lines.Select(l => l + "\n"));
            }
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of output, for a message.</summary>
    public string Tail(int lines = 40)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));
        }
    }

    /// <summary>The dotnet host this process runs on (so a child runs the same SDK and runtime).</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>Starts <paramref name="program"/> (a <c>.dll</c> on dotnet), pinned to <paramref name="cpu"/> when given.</summary>
    public static ChildProcess Start(string name, string program, IEnumerable<string> arguments, string? cpu = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(new ChildProcessOptions(name, program) { Arguments = [.. arguments], Cpu = cpu, Environment = environment });

    public static ChildProcess Start(ChildProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var managed = options.Program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var program = managed ? Dotnet : options.Program;
        var info = new ProcessStartInfo(options.Cpu is null ? program : "taskset")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (options.WorkingDirectory is not null)
        {
            info.WorkingDirectory = options.WorkingDirectory;
        }

        if (options.Cpu is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(options.Cpu);
            info.ArgumentList.Add(program);
        }

        if (managed)
        {
            info.ArgumentList.Add(options.Program);
        }

        foreach (var argument in options.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No telemetry or first-run noise in the children, and no proxy between loopback peers.
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["NO_PROXY"] = "*";
        foreach (var name in options.RemoveEnvironment)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(options, process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => _ = child.OnExitedAsync();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"{options.Name}: could not start {info.FileName}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs to its exit within <paramref name="timeout"/> (killed, and a <see cref="TimeoutException"/>, after it).</summary>
    public static async Task<ChildProcess> RunAsync(ChildProcessOptions options, TimeSpan timeout)
    {
        var child = Start(options);
        try
        {
            await child.WaitForExitAsync(timeout).ConfigureAwait(false);
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the <see cref="ChildProcessOptions.ReadyLine"/>.</summary>
    public Task WaitReadyAsync(TimeSpan limit) =>
        Options.ReadyLine is null
            ? throw new InvalidOperationException($"{Name} was started without a ReadyLine")
            : _ready.Task.WaitAsync(limit);

    /// <summary>Waits until something accepts on 127.0.0.1:<paramref name="port"/>; fails when the process exits or the time is up first.</summary>
    public async Task WaitListeningAsync(int port, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await FreePort.AcceptsAsync(port).ConfigureAwait(false))
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited before listening on {port}:\n{Tail()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not listen on {port} within {limit}:\n{Tail()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>The next line (from now) that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan limit)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            _waiters.Add((match, seen));
        }

        if (_exited.Task.IsCompleted)
        {
            seen.TrySetException(new InvalidOperationException($"{Name} exited:\n{Tail()}"));
        }

        try
        {
            return await seen.Task.WaitAsync(limit).ConfigureAwait(false);
        }
        finally
        {
            lock (_lines)
            {
                _waiters.RemoveAll(w => w.Seen == seen);
            }
        }
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; fails with the output when the program exits or the time is up first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_exited.Task.IsCompleted)
            {
                throw new InvalidOperationException($"{Name} exited with {ExitCode} before printing '{text}'. Output:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not print '{text}' within {limit}. Output:\n{Output}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the exit (and the output); after <paramref name="limit"/> kills it and throws <see cref="TimeoutException"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        try
        {
            await _exited.Task.WaitAsync(limit).ConfigureAwait(false);
            return ExitCode;
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"{Name} ({_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}) did not exit within {limit}. Output:\n{Output}");
        }
    }

    /// <summary>Writes a line to its stdin (a command to a benchmark-hosted server).</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    public void Signal(PosixSignal signal) => PosixSignals.Send(Pid, signal);

    /// <summary>SIGKILL to the process alone, then waits for it: a crash.</summary>
    public async Task KillAsync()
    {
        if (!HasExited)
        {
            try
            {
                _process.Kill(); // SIGKILL on Unix, and no kill(1) to spawn
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        await _exited.Task.ConfigureAwait(false);
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>; the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan grace)
    {
        if (!HasExited)
        {
            try
            {
                Signal(PosixSignal.Terminate);
            }
            catch (InvalidOperationException) when (HasExited)
            {
            }
        }

        try
        {
            await _exited.Task.WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
        }

        return ExitCode;
    }

    /// <summary>SIGSTOP: the process hangs with its sockets open.</summary>
    public void Pause() => Signal(PosixSignal.Stop);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(PosixSignal.Continue);

    /// <summary>Kills it and what it started, without waiting.</summary>
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
        _process.WaitForExit(10_000);
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task OnExitedAsync()
    {
        await _drained.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        var failure = new InvalidOperationException($"{Name} exited with code {SafeExitCode()}:\n{Tail()}");
        _ready.TrySetException(failure);
        lock (_lines)
        {
            foreach (var (_, seen) in _waiters)
            {
                seen.TrySetException(failure);
            }
        }

        _exited.TrySetResult();
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            // Both streams at their end: every line is in Output.
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _drained.TrySetResult();
            }

            return;
        }

        Options.OnLine?.Invoke(line);
        if (Options.ReadyLine is { } ready && line.Contains(ready, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > Options.KeepLines)
            {
                _lines.Dequeue();
            }

            foreach (var (match, seen) in _waiters)
            {
                if (match(line))
                {
                    seen.TrySetResult(line);
                }
            }
        }
    }
}
