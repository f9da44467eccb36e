using System.Diagnostics;
using System.Reflection;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// The three servers of a run, each a child process: (A) the raw echo and (C) the IM, both hosted by this
/// executable's serve modes, and (B) the stub: by default its native (ahead-of-time compiled) executable that
/// <c>./build.sh bench</c> publishes to <c>artifacts/stub-native/</c> (the Go AI service is a native binary too, ready
/// milliseconds after it starts), or with <c>--stub jit</c> its Release build on the shared runtime. Pinning (when taskset exists and there are
/// at least 2 CPUs): the server under test (A or C) on its CPUs (1 by default); the stub and this load generator on theirs (0).
/// </summary>
public sealed class BenchTopology : IDisposable
{
    /// <summary>The runtime's setting for how long a thread-pool worker spins for work (runtimeconfig / AppContext).</summary>
    public const string SpinLimitSetting = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    /// <summary>The same setting as an environment variable, for a child process.</summary>
    public const string SpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";

    /// <summary>The IM's JWT secret: short on purpose (deployed secrets are).</summary>
    public const string Secret = "bench";


    private readonly string _stubProgram;
    private readonly int _otaPort = FreePort.Pick();
    private ChildProcess? _echo;
    private StubNode? _stub;
    private ImNode? _im;

    private readonly Dictionary<string, string> _serverEnvironment; // A's and C's: DOTNET_gcServer and --server-env

    private readonly bool _cpu0Spin;
    private readonly CpuSet _serverCpus;
    private readonly CpuSet _loadCpus;

    private BenchTopology(bool pin, bool serverGc, IReadOnlyDictionary<string, string>? serverEnvironment, bool nativeStub, bool cpu0Spin, CpuSet serverCpus, CpuSet loadCpus)
    {
        _cpu0Spin = cpu0Spin;
        _serverCpus = serverCpus;
        _loadCpus = loadCpus;
        ServerGc = serverGc;
        _serverEnvironment = new() { ["DOTNET_gcServer"] = serverGc ? "1" : "0" };
        foreach (var (name, value) in serverEnvironment ?? new Dictionary<string, string>())
        {
            _serverEnvironment[name] = value;
        }

        var metadata = typeof(BenchTopology).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        var root = metadata.GetValueOrDefault("RepositoryRoot") ?? throw new InvalidOperationException("RepositoryRoot metadata missing.");
        var configuration = metadata.GetValueOrDefault("Configuration") ?? "Release";
        _stubProgram = nativeStub
            ? Path.Combine(root, "artifacts", "stub-native", OperatingSystem.IsWindows() ? "Xiaozhi.AiService.Stub.exe" : "Xiaozhi.AiService.Stub")
            : Path.Combine(root, "Xiaozhi.AiService.Stub", "bin", configuration, "net10.0", "Xiaozhi.AiService.Stub.dll");
        Configuration = configuration;
        StubDescription = nativeStub ? "native (ahead-of-time compiled, artifacts/stub-native)" : $"JIT (dotnet, {configuration} build)";
        var taskset = File.Exists("/usr/bin/taskset") || File.Exists("/bin/taskset");
        Pinned = pin && taskset && Environment.ProcessorCount >= 2;
        LoadCpuLabel = Pinned ? loadCpus.Label : "the load generator's and stub's CPUs";
        PinDescription = Pinned
            ? $"server under test (A echo / C IM) on {serverCpus.Label}; stub (B) and the load generator (this process) on {loadCpus.Label} (taskset -c / sched_setaffinity)"
            : pin ? "not pinned (taskset missing or fewer than 2 CPUs)" : "not pinned (--no-pin)";
        PinDescription += cpu0Spin
            ? "; the stub and the load generator spin-wait for work (the runtime's default, --cpu0-spin)"
            : "; the stub and the load generator do not spin-wait for work (thread-pool spin limit 0: they share a core)";
    }

    /// <summary>True when A and C run with server GC (the IM's own setting), false for workstation GC.</summary>
    public bool ServerGc { get; }

    /// <summary>How the stub (B) runs: native or JIT.</summary>
    public string StubDescription { get; }

    /// <summary>The build configuration of the binaries.</summary>
    public string Configuration { get; }

    /// <summary>Whether processes are pinned.</summary>
    public bool Pinned { get; }

    /// <summary>What was pinned where.</summary>
    public string PinDescription { get; }

    /// <summary>Where the stub and the load generator run, for reports ("CPU 0"; a phrase when not pinned).</summary>
    public string LoadCpuLabel { get; }

    /// <summary>(A) URL.</summary>
    public Uri EchoUrl { get; private set; } = null!;

    /// <summary>(C) URL.</summary>
    public Uri ImUrl { get; private set; } = null!;

    /// <summary>(C) management port (<c>/readyz</c>: a load balancer's health check).</summary>
    public int ImManagementPort { get; private set; }

    /// <summary>(B) gRPC port (kept across restarts).</summary>
    public int StubPort { get; private set; }

    /// <summary>(A).</summary>
    public ChildProcess Echo => _echo ?? throw new InvalidOperationException("not started");

    /// <summary>(B).</summary>
    public ChildProcess Stub => (_stub ?? throw new InvalidOperationException("not started")).Process;

    /// <summary>(C).</summary>
    public ChildProcess Im => (_im ?? throw new InvalidOperationException("not started")).Process;

    /// <summary>Starts all three and waits until they listen.</summary>
    public static async Task<BenchTopology> StartAsync(bool pin, CpuSet serverCpus, CpuSet loadCpus, bool serverGc = true, IReadOnlyDictionary<string, string>? serverEnvironment = null, bool nativeStub = true, bool cpu0Spin = false)
    {
        ArgumentNullException.ThrowIfNull(serverCpus);
        ArgumentNullException.ThrowIfNull(loadCpus);
        var topology = new BenchTopology(pin, serverGc, serverEnvironment, nativeStub, cpu0Spin, serverCpus, loadCpus);
        try
        {
            await topology.StartAllAsync().ConfigureAwait(false);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    /// <summary>Kills the stub and starts it again on the same port; returns the time from the kill to listening again.</summary>
    public async Task<TimeSpan> RestartStubAsync(Action onKilled)
    {
        ArgumentNullException.ThrowIfNull(onKilled);
        var stub = _stub ?? throw new InvalidOperationException("not started");
        var started = Stopwatch.GetTimestamp();
        await stub.KillAsync().ConfigureAwait(false);
        onKilled();
        await stub.RestartAsync(waitReady: false).ConfigureAwait(false);
        await stub.Process.WaitListeningAsync(StubPort, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _im?.Dispose();
        _echo?.Dispose();
        _stub?.Dispose();
    }

    private async Task StartAllAsync()
    {
        if (!File.Exists(_stubProgram))
        {
            throw new InvalidOperationException($"The stub is not built: {_stubProgram} (run ./build.sh bench, which builds and publishes it).");
        }

        if (Pinned && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            ProcessAffinity.PinAllThreads(_loadCpus); // every thread of the load generator, not just the main one
        }

        var self = Path.Combine(AppContext.BaseDirectory, "Xiaozhi.Bench.dll");
        var echoPort = FreePort.Pick();
        _echo = ChildProcess.Start(BenchChild.Options("echo (A)", self, ["serve-echo", echoPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], ServerCpu, _serverEnvironment));
        EchoUrl = new Uri($"ws://127.0.0.1:{echoPort}/xiaozhi/v1/");

        StubPort = FreePort.Pick();
        _stub = StartStub();
        await Stub.WaitListeningAsync(StubPort, TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        // The load comes from one address, faster than devices would: the kit's node lifts the admission limits, so
        // the figures measure the gateway, not them.
        _im = ImNode.Start(ServerNode("IM (C)") with { Cpu = ServerCpu, Environment = _serverEnvironment });
        ImManagementPort = _im.ManagementPort;
        var imPort = _im.Port;
        ImUrl = new Uri($"ws://127.0.0.1:{imPort}/xiaozhi/v1/");
        await Echo.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        await Im.WaitReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    private string? ServerCpu => Pinned ? _serverCpus.ToString() : null;

    /// <summary>
    /// One more IM node in front of the stub (B), as (C) but unpinned, clustered on the redis-server at
    /// <paramref name="redisPort"/>; not waited for. <paramref name="extraArgs"/> are appended (later settings win).
    /// </summary>
    public ImNode StartClusterNode(string nodeId, int redisPort, TimeSpan refreshInterval, params string[] extraArgs) =>
        ImNode.Start(ServerNode(nodeId) with
        {
            NodeId = nodeId,
            Redis = $"127.0.0.1:{redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            Arguments = ["--Cluster:RefreshInterval", refreshInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture), .. extraArgs],
        });

    // The IM hosted by this executable's serve-im mode (it answers ChildCommands), in front of the stub (B).
    private ImNodeSettings ServerNode(string name) => new(Secret)
    {
        Name = name,
        Program = Path.Combine(AppContext.BaseDirectory, "Xiaozhi.Bench.dll"),
        ProgramArguments = ["serve-im"],
        AiEndpoints = [$"http://127.0.0.1:{StubPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}"],
        IsolatedContentRoot = false,
        ReadyLine = BenchChild.ReadyMarker,
        OnLine = BenchChild.Timeline(name),
        KeepLines = 40,
    };

    private StubNode StartStub() => StubNode.Start(new StubNodeSettings
    {
        Name = "stub (B)",
        Program = _stubProgram,
        Port = StubPort,
        OtaPort = _otaPort,
        Mode = "echo",
        // Keep no requests for inspection (RecordNothing, the default): the Go service keeps none, and 200 streams of
        // audio kept as bytes grew the stub's heap until its collections stalled every stream for up to 90 ms.
        Arguments = ["--Stub:PacingEnabled", "false"],
        Cpu = Pinned ? _loadCpus.ToString() : null,
        Environment = _cpu0Spin ? null : new Dictionary<string, string> { [SpinLimitVariable] = "0" },
        OnLine = BenchChild.Timeline("stub (B)"),
        KeepLines = 40,
    });
}
