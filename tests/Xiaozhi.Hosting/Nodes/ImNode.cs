using System.Globalization;
using System.Net;

namespace Xiaozhi.Hosting;

/// <summary>
/// An IM gateway in its own process, so it can be SIGKILLed (a crash: no drain, no release, no goodbye to Redis),
/// SIGTERMed (a drain), paused and restarted on the same ports. Killed on dispose.
/// </summary>
public sealed class ImNode : IDisposable, IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly DirectoryInfo? _contentRoot;

    private ImNode(ImNodeSettings settings, int port, int managementPort)
    {
        Settings = settings;
        Port = port;
        ManagementPort = managementPort;
        _contentRoot = settings.IsolatedContentRoot ? Directory.CreateTempSubdirectory("xiaozhi-im-node-") : null;
    }

    public ImNodeSettings Settings { get; }

    public string Name => Settings.Name;

    /// <summary>The device port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The management port on 127.0.0.1 (a load balancer's health check).</summary>
    public int ManagementPort { get; }

    /// <summary>Where devices dial it.</summary>
    public Uri DeviceUrl => new($"ws://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/xiaozhi/v1/");

    /// <summary>Its management address (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>).</summary>
    public Uri ManagementUrl => new($"http://127.0.0.1:{ManagementPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>As haproxy sees it.</summary>
    public HaproxyBackend Backend => new(Port, ManagementPort);

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process { get; private set; } = null!;

    public int Pid => Process.Pid;

    /// <summary>The command line the gateway gets.</summary>
    public IReadOnlyList<string> Arguments
    {
        get
        {
            var arguments = new List<string>(Settings.ProgramArguments);
            if (_contentRoot is not null)
            {
                arguments.AddRange(["--contentRoot", _contentRoot.FullName]);
            }

            arguments.AddRange(["--urls", $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}"]);
            arguments.AddRange(["--Management:Urls", $"http://127.0.0.1:{ManagementPort.ToString(CultureInfo.InvariantCulture)}"]);
            arguments.AddRange(["--Auth:JwtSecret", Settings.JwtSecret]);
            for (var i = 0; i < Settings.AiEndpoints.Count; i++)
            {
                arguments.AddRange([$"--Ai:Endpoints:{i.ToString(CultureInfo.InvariantCulture)}", Settings.AiEndpoints[i]]);
            }

            if (Settings.Redis is not null)
            {
                arguments.AddRange(["--Cluster:Redis", Settings.Redis]);
            }

            if (Settings.NodeId is not null)
            {
                arguments.AddRange(["--Cluster:NodeId", Settings.NodeId]);
            }

            if (Settings.OpenAdmission)
            {
                arguments.AddRange(
                [
                    "--Admission:MaxConcurrentSessions", "100000",
                    "--Admission:PerIpConnectionBurst", "1000000",
                    "--Admission:PerIpConnectionsPerSecond", "1000000",
                    "--Admission:PerIpConcurrentConnections", "1000000",
                    "--Admission:MessagesPerSecond", "1000000",
                    "--Admission:MessageBurst", "1000000",
                ]);
            }

            arguments.AddRange(["--Logging:LogLevel:Default", Settings.LogLevel]);
            arguments.AddRange(Settings.Arguments);
            return arguments;
        }
    }

    /// <summary>Starts it without waiting (several nodes start side by side; then <see cref="WaitReadyAsync"/>).</summary>
    public static ImNode Start(ImNodeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.Program))
        {
            throw new InvalidOperationException($"{settings.Program} not found: build Xiaozhi.Im.Service first (the caller references it)");
        }

        var node = new ImNode(settings, settings.Port ?? FreePort.Pick(), settings.ManagementPort ?? FreePort.Pick());
        node.Launch();
        return node;
    }

    /// <summary>Starts it and waits until it is ready (60 s at most).</summary>
    public static async Task<ImNode> StartAsync(ImNodeSettings settings)
    {
        var node = Start(settings);
        try
        {
            await node.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A node on <paramref name="aiEndpoint"/> with <paramref name="arguments"/> appended (a test's cluster settings).</summary>
    public static Task<ImNode> StartAsync(Uri aiEndpoint, string jwtSecret, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(aiEndpoint);
        return StartAsync(new ImNodeSettings(jwtSecret) { AiEndpoints = [aiEndpoint.ToString()], Arguments = [.. arguments] });
    }

    /// <summary>Waits for the <see cref="ImNodeSettings.ReadyLine"/>, or until both its ports accept.</summary>
    public async Task WaitReadyAsync(TimeSpan limit)
    {
        if (Settings.ReadyLine is not null)
        {
            await Process.WaitReadyAsync(limit).ConfigureAwait(false);
            return;
        }

        var deadline = DateTime.UtcNow + limit;
        await Process.WaitListeningAsync(Port, limit).ConfigureAwait(false);
        await Process.WaitListeningAsync(ManagementPort, Remaining(deadline)).ConfigureAwait(false);
    }

    /// <summary><c>GET /readyz</c>'s status.</summary>
    public async Task<HttpStatusCode> ReadinessAsync()
    {
        using var response = await Http.GetAsync(new Uri(ManagementUrl, "readyz")).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>SIGKILL: the process dies holding its device keys and its Redis connections (the kernel closes them).</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGTERM: the gateway drains (503 to new upgrades, 1001 to its devices) and exits; SIGKILL after <paramref name="grace"/>.</summary>
    public Task<int> TerminateAsync(TimeSpan grace) => Process.TerminateAsync(grace);

    /// <summary>SIGSTOP: the node hangs with every socket open.</summary>
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

    public void Dispose()
    {
        Process?.Dispose();
        DeleteContentRoot();
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync().ConfigureAwait(false);
        }

        DeleteContentRoot();
    }

    private void Launch() =>
        Process = ChildProcess.Start(new ChildProcessOptions(Settings.Name, Settings.Program)
        {
            Arguments = Arguments,
            Environment = Settings.Environment,
            Cpu = Settings.Cpu,
            ReadyLine = Settings.ReadyLine,
            OnLine = Settings.OnLine,
            KeepLines = Settings.KeepLines,
        });

    private void DeleteContentRoot()
    {
        try
        {
            _contentRoot?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static TimeSpan Remaining(DateTime deadline) =>
        deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.Zero;
}
