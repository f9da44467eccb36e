using System.Diagnostics;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// A server under test in its own process (<c>dotnet &lt;dll&gt; …</c>, optionally under <c>taskset -c CPU</c>), so its
/// CPU and memory can be read from /proc without the load generator in them. Output is drained and the last lines
/// kept for diagnostics; stdin stays open (closing it asks bench-hosted children to stop).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    /// <summary>Printed by bench-hosted children once listening.</summary>
    public const string ReadyMarker = "xiaozhi-bench: ready";

    /// <summary>Printed by the IM host after a requested collection.</summary>
    public const string GcDoneMarker = "xiaozhi-bench: gc-done";

    /// <summary>Printed by bench-hosted children before their <see cref="ServerStats"/> line.</summary>
    public const string StatsMarker = "xiaozhi-bench: stats ";

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _gcDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<string> _stats = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>A label for messages.</summary>
    public string Name { get; }

    /// <summary>The process id (of the server itself: taskset execs it).</summary>
    public int Pid => _process.Id;

    /// <summary>True once exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>dotnet <paramref name="program"/> <paramref name="args"/></c> for a <c>.dll</c>, else the executable
    /// itself, pinned to <paramref name="cpu"/> when given.
    /// </summary>
    public static ChildProcess Start(string name, string program, IEnumerable<string> args, string? cpu, IReadOnlyDictionary<string, string>? environment = null)
    {
        // A .dll runs on the shared runtime (dotnet <dll>); anything else is a native executable (the AOT stub).
        var managed = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo
        {
            FileName = cpu is not null ? "taskset" : managed ? "dotnet" : program,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpu is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(cpu);
            info.ArgumentList.Add(managed ? "dotnet" : program);
        }

        if (managed)
        {
            info.ArgumentList.Add(program);
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // No proxies for anything, and no telemetry/first-run noise in the children.
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["NO_PROXY"] = "*";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            child._ready.TrySetException(new InvalidOperationException($"{name} exited with code {process.ExitCode}:\n{child.Tail()}"));
            child._gcDone.TrySetResult();
            child._stats.TrySetException(new InvalidOperationException($"{name} exited"));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for <see cref="ReadyMarker"/>.</summary>
    public Task WaitReadyAsync(TimeSpan limit) => _ready.Task.WaitAsync(limit);

    /// <summary>Starts a new stats window in a bench-hosted child.</summary>
    public async Task ResetStatsAsync()
    {
        await _process.StandardInput.WriteLineAsync("stats-reset").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Reads a bench-hosted child's stats for the window since <see cref="ResetStatsAsync"/> (bounded).</summary>
    public async Task<ServerStats> ReadStatsAsync()
    {
        _stats = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _process.StandardInput.WriteLineAsync("stats").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        return ServerStats.Parse(await _stats.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false));
    }

    /// <summary>Asks an IM host for a full collection and waits for it (bounded).</summary>
    public async Task CollectGarbageAsync()
    {
        _gcDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _process.StandardInput.WriteLineAsync("gc").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        await _gcDone.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await Task.Delay(200).ConfigureAwait(false); // let the kernel's RSS accounting settle
    }

    /// <summary>The last lines of output.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    /// <summary>Kills the process (and what it started) and waits for it.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        BenchTimeline.Write(Name, line);
        if (line.Contains(ReadyMarker, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
        else if (line.Contains(GcDoneMarker, StringComparison.Ordinal))
        {
            _gcDone.TrySetResult();
        }
        else if (line.StartsWith(StatsMarker, StringComparison.Ordinal))
        {
            _stats.TrySetResult(line[StatsMarker.Length..]);
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
        }
    }
}
