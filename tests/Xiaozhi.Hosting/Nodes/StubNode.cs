using System.Globalization;

namespace Xiaozhi.Hosting;

/// <summary>
/// The AI stub in its own process: killed (a crashed backend), terminated (a graceful stop: GOAWAY), paused, restarted
/// on the same ports; its fault API (<c>POST /stub/faults/...</c> on the OTA port) switched. Killed on dispose.
/// </summary>
public sealed class StubNode : IDisposable, IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private StubNode(StubNodeSettings settings, int port, int otaPort)
    {
        Settings = settings;
        Port = port;
        OtaPort = otaPort;
    }

    public StubNodeSettings Settings { get; }

    public string Name => Settings.Name;

    /// <summary>The gRPC port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The OTA and fault-API port on 127.0.0.1.</summary>
    public int OtaPort { get; }

    /// <summary>The address a gateway dials (<c>Ai:Endpoints</c>).</summary>
    public string Address => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process { get; private set; } = null!;

    public int Pid => Process.Pid;

    /// <summary>The command line the stub gets.</summary>
    public IReadOnlyList<string> Arguments
    {
        get
        {
            var arguments = new List<string>
            {
                "--urls", Address,
                "--Ota:Urls", $"http://127.0.0.1:{OtaPort.ToString(CultureInfo.InvariantCulture)}",
            };
            if (Settings.Mode is not null)
            {
                arguments.AddRange(["--Stub:Mode", Settings.Mode]);
            }

            if (Settings.RecordNothing)
            {
                arguments.AddRange(["--Stub:MaxRecordedRequestsPerSession", "0"]);
            }

            arguments.AddRange(["--Logging:LogLevel:Default", Settings.LogLevel]);
            arguments.AddRange(Settings.Arguments);
            return arguments;
        }
    }

    /// <summary>Starts it without waiting (then <see cref="WaitReadyAsync"/>).</summary>
    public static StubNode Start(StubNodeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.Program))
        {
            throw new InvalidOperationException($"The stub is not built: {settings.Program} (build Xiaozhi.AiService.Stub in this configuration; ./build.sh bench does)");
        }

        var stub = new StubNode(settings, settings.Port ?? FreePort.Pick(), settings.OtaPort ?? FreePort.Pick());
        stub.Launch();
        return stub;
    }

    /// <summary>Starts it and waits until both its ports accept (60 s at most).</summary>
    public static async Task<StubNode> StartAsync(StubNodeSettings settings)
    {
        var stub = Start(settings);
        try
        {
            await stub.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            return stub;
        }
        catch
        {
            await stub.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until its gRPC port, then its OTA port, accept.</summary>
    public async Task WaitReadyAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        await Process.WaitListeningAsync(Port, limit).ConfigureAwait(false);
        await Process.WaitListeningAsync(OtaPort, deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.Zero).ConfigureAwait(false);
    }

    /// <summary>POSTs a fault switch, e.g. <c>delay?ms=300</c>; throws unless the stub accepted it.</summary>
    public async Task FaultAsync(string pathAndQuery)
    {
        using var response = await Http.PostAsync(new Uri($"http://127.0.0.1:{OtaPort.ToString(CultureInfo.InvariantCulture)}/stub/faults/{pathAndQuery}"), null).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: POST /stub/faults/{pathAndQuery} answered {(int)response.StatusCode}");
        }
    }

    /// <summary>Every fault off.</summary>
    public async Task ClearFaultsAsync()
    {
        await FaultAsync("delay?ms=0").ConfigureAwait(false);
        await FaultAsync("capacity?turns=0").ConfigureAwait(false);
        await FaultAsync("fail-turns?every=0").ConfigureAwait(false);
        await FaultAsync("draining?on=false").ConfigureAwait(false);
    }

    /// <summary>SIGKILL: every stream and connection ends without a GOAWAY (a crashed backend).</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGTERM: Kestrel sends GOAWAY and stops; SIGKILL after <paramref name="grace"/>.</summary>
    public Task<int> TerminateAsync(TimeSpan grace) => Process.TerminateAsync(grace);

    /// <summary>SIGSTOP: the backend hangs with its connections open.</summary>
    public void Pause() => Process.Pause();

    public void Resume() => Process.Resume();

    /// <summary>Starts it again on the same ports and settings (SIGKILL first if it still runs); waits until ready unless told not to.</summary>
    public async Task RestartAsync(bool waitReady = true)
    {
        if (!Process.HasExited)
        {
            await Process.KillAsync().ConfigureAwait(false);
        }

        await Process.DisposeAsync().ConfigureAwait(false);
        Launch();
        if (waitReady)
        {
            await WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }
    }

    public void Dispose() => Process?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Launch() =>
        Process = ChildProcess.Start(new ChildProcessOptions(Settings.Name, Settings.Program)
        {
            Arguments = Arguments,
            Environment = Settings.Environment,
            Cpu = Settings.Cpu,
            OnLine = Settings.OnLine,
            KeepLines = Settings.KeepLines,
        });
}
