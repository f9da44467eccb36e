using System.Globalization;
using Xiaozhi.Bench.Hosting;
using static Xiaozhi.DeviceSim.Cli.OptionValues;

namespace Xiaozhi.Bench;

/// <summary>The harness's command line.</summary>
public sealed record BenchOptions
{
    /// <summary>The usage text.</summary>
    public const string Help = """
        Xiaozhi benchmark harness: (A) a raw Kestrel WebSocket echo, (B) the stub in echo mode (pacing off), (C) the IM
        in front of B (auth on). Each server is a child process; the devices run in this one. Loopback only.

        Usage: dotnet Xiaozhi.Bench.dll [options]        (./build.sh bench [options]; ./build.sh bench micro for BenchmarkDotNet)
               dotnet Xiaozhi.Bench.dll cluster [N]      two cluster nodes on one redis-server: connect + hello of N devices
                                                         (1000; 1-20000) single node against cluster node, Redis commands per
                                                         session, failover after SIGKILL (docs/cluster.md)
               dotnet Xiaozhi.Bench.dll haproxy [N]      the real haproxy on deploy/haproxy/haproxy.cfg: connect + hello of
                                                         N devices (1000; 1-20000) through it to two nodes against direct, its
                                                         spread and memory, and its added hop at 200 devices x 50/s
                                                         (docs/performance.md); needs redis-server and haproxy
               dotnet Xiaozhi.Bench.dll balance [N]      two stubs and one IM node per balancing policy (LeastSessions, then
                 [--quick] [--case-seconds S]            PeakEwma): N devices (40; quick 10; 2-2000) coming and going, six
                                                         cases of S seconds each (20; quick 5) with faults on one stub; time
                                                         to first audio p50/p95/p99 and each endpoint's share of turns
                                                         (docs/performance.md#balancing)

          --quick                 ~1-minute smoke: short runs, scaling N = 100, 1000, restart with 200 sessions
          --devices N             the many-device latency run (200)
          --rate R                frames per second per device in the latency runs (50)
          --payload B             audio payload bytes per frame (160 ≈ a 60 ms Opus frame)
          --protocol 1|2|3        device frame layout (1)
          --duration S            measured seconds of each latency run (15; quick 5)
          --warmup S              discarded seconds before each run (15; quick 3); the latency runs then go on warming
                                  in 3 s steps until the server compiled at most 20 methods in two steps in a row (up
                                  to 45 s more), so they measure a settled server, not its tiered JIT at work
          --scale LIST            idle-device counts for the scaling table (100,1000,5000,10000; quick 100,1000)
          --talking PCT           talking share in the scaling table (5), at one 60 ms frame per talking device
          --scale-duration S      measured seconds per scaling row (10; quick 4)
          --scale-warmup S        C's warm-up per scaling row (30, the IM's WebSocket keep-alive; quick 6), A's at most
                                  6 s; both then go on as the latency runs' until the server's JIT has settled
          --ramp R                connections per second (1000)
          --restart-sessions N    sessions for the backend-restart run (1000; quick 200)
          --restart-rounds N      backend restarts with the same sessions (3; quick 2): the first is the IM's first
                                  resume (its code compiled then), later ones a long-running gateway's
          --restart-probe-every S each session not yet resumed sends one frame right after the restart and again every
                                  S seconds until one is echoed (1; every frame sent into the outage is kept and
                                  replayed by the IM, so a shorter cadence adds replay load to the figure: 0.1 made
                                  the IM carry ~10 frames per session through each restart)
          --heap                  after the largest scaling N's window, with its devices still connected, count the
                                  reachable objects of C and A by type (ClrMD, from a snapshot of each process) and
                                  print what a session costs beyond the WebSocket, by part and by type
          --skip LIST             any of latency,scale,restart
          --no-pin                do not pin with taskset
          --server-cpus LIST      CPUs of the server under test, A or C (1); a taskset list: 1, 2,3 or 2-5
          --load-cpus LIST        CPUs of the stub and the load generator (0); on a host with more than two CPUs,
                                  e.g. --server-cpus 2,3 --load-cpus 0,1 gives the IM two cores of its own
          --gc server|workstation garbage collector of A and C (server: the IM's own runtimeconfig setting)
          --stub native|jit       how the stub (B) runs: native (default; published ahead-of-time by ./build.sh bench to
                                  artifacts/stub-native, ready in milliseconds like the Go service's binary) or jit
                                  (its Release build on dotnet: a cold start with JIT compilation after each restart)
          --cpu0-spin             let the stub and the load generator, which share CPU 0, spin-wait for work (the
                                  runtime's default; without it their thread pools block at once and yield the core)
          --server-env NAME=VALUE an environment variable for A and C only (repeatable), e.g. a runtime knob to compare
          -h, --help              this text

        Diagnostics (environment variables naming a file; off when unset):
          XIAOZHI_BENCH_TIMELINE=<file>          every child's output and the harness's marks on one clock, and each
                                                 window's slow echoes (over 5 ms) per 10 ms by send time and per second:
                                                 tells a stall every stream waited through from spread queueing
          XIAOZHI_BENCH_EXCEPTION_SITES=<file>   (with --server-env) exceptions a server threw, by type and method
          XIAOZHI_BENCH_ALLOCATION_TYPES=<file>  (with --server-env) a server's allocation ticks by type, and the
                                                 shared buffer pool's misses
        """;

    /// <summary>Quick profile.</summary>
    public bool Quick { get; init; }

    /// <summary>Devices of the many-device latency run.</summary>
    public int Devices { get; init; } = 200;

    /// <summary>Frames/s per device.</summary>
    public double Rate { get; init; } = 50;

    /// <summary>Payload bytes.</summary>
    public int Payload { get; init; } = 160;

    /// <summary>Protocol version.</summary>
    public int Protocol { get; init; } = 1;

    /// <summary>Latency run duration.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Warm-up.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Scaling N values.</summary>
    public IReadOnlyList<int> Scale { get; init; } = [100, 1_000, 5_000, 10_000];

    /// <summary>Talking share in the scaling table.</summary>
    public double TalkingPercent { get; init; } = 5;

    /// <summary>Scaling row duration.</summary>
    public TimeSpan ScaleDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Scaling rows: C's warm-up before its JIT is watched. The IM's periodic work (the devices' 30 s WebSocket
    /// keep-alive, the AI connections' HTTP/2 pings) must have run: with 6-18 s the IM compiled 1,900-2,700 methods inside
    /// the 10,000-device window (four runs), with 30-33 s 11-35.
    /// </summary>
    public TimeSpan ScaleWarmup { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections per second.</summary>
    public double Ramp { get; init; } = 1_000;

    /// <summary>Restart run sessions.</summary>
    public int RestartSessions { get; init; } = 1_000;

    /// <summary>Backend restarts in the restart run.</summary>
    public int RestartRounds { get; init; } = 3;

    /// <summary>How often a session not yet resumed sends another probe frame in the restart run.</summary>
    public TimeSpan RestartProbeEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sections to skip.</summary>
    public IReadOnlySet<string> Skip { get; init; } = new HashSet<string>();

    /// <summary>Server GC for A and C (else workstation).</summary>
    public bool ServerGc { get; init; } = true;

    /// <summary>Heap census of C and A at the largest scaling N.</summary>
    public bool Heap { get; init; }

    /// <summary>Pin with taskset when available.</summary>
    public bool Pin { get; init; } = true;

    /// <summary>CPUs of the server under test (A or C) when pinned.</summary>
    public CpuSet ServerCpus { get; init; } = CpuSet.Parse("--server-cpus", "1", 2);

    /// <summary>CPUs of the stub and the load generator when pinned.</summary>
    public CpuSet LoadCpus { get; init; } = CpuSet.Parse("--load-cpus", "0", 2);

    /// <summary>Let the processes on CPU 0 spin-wait for work (the runtime's default).</summary>
    public bool Cpu0Spin { get; init; }

    /// <summary>Run the stub's native executable (else its managed build on dotnet).</summary>
    public bool NativeStub { get; init; } = true;

    /// <summary>Extra environment variables for the servers under test (A and C).</summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>True when help was asked for.</summary>
    public static bool WantsHelp(IReadOnlyList<string> args) => args.Any(a => a is "-h" or "--help");

    /// <summary>
    /// The device count of <c>cluster [N]</c> and <c>haproxy [N]</c> (<paramref name="args"/> starts with the mode): N, or
    /// 1000 without it; a <see cref="FormatException"/> for a count that is not one or for anything after it.
    /// </summary>
    public static int FleetDevices(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count switch
        {
            1 => 1_000,
            2 => Int($"{args[0]} [devices]", args[1], 1, 20_000),
            _ => throw new FormatException($"usage: {args[0]} [devices] (got '{string.Join(' ', args.Skip(1))}')"),
        };
    }

    /// <summary>Parses (quick first, so explicit flags override its values).</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = args.Contains("--quick")
            ? new BenchOptions
            {
                Quick = true,
                Duration = TimeSpan.FromSeconds(5),
                Warmup = TimeSpan.FromSeconds(3),
                Scale = [100, 1_000],
                ScaleDuration = TimeSpan.FromSeconds(4),
                ScaleWarmup = TimeSpan.FromSeconds(6),
                RestartSessions = 200,
                RestartRounds = 2,
            }
            : new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value.");
            options = name switch
            {
                "--quick" => options,
                "--devices" => options with { Devices = Int(name, Value(), 1, 20_000) },
                "--rate" => options with { Rate = Double(name, Value(), 0.1, 1_000) },
                "--payload" => options with { Payload = Int(name, Value(), 28, 65_535) },
                "--protocol" => options with { Protocol = Int(name, Value(), 1, 3) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Double(name, Value(), 1, 3_600)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Double(name, Value(), 0, 600)) },
                "--scale" => options with { Scale = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => Int(name, v, 1, 19_000)).ToArray() },
                "--talking" => options with { TalkingPercent = Double(name, Value(), 0, 100) },
                "--scale-duration" => options with { ScaleDuration = TimeSpan.FromSeconds(Double(name, Value(), 1, 3_600)) },
                "--scale-warmup" => options with { ScaleWarmup = TimeSpan.FromSeconds(Double(name, Value(), 0, 600)) },
                "--ramp" => options with { Ramp = Double(name, Value(), 1, 100_000) },
                "--restart-sessions" => options with { RestartSessions = Int(name, Value(), 1, 19_000) },
                "--restart-rounds" => options with { RestartRounds = Int(name, Value(), 1, 20) },
                "--restart-probe-every" => options with { RestartProbeEvery = TimeSpan.FromSeconds(Double(name, Value(), 0.01, 10)) },
                "--skip" => options with { Skip = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase) },
                "--no-pin" => options with { Pin = false },
                "--server-cpus" => options with { ServerCpus = CpuSet.Parse(name, Value(), Environment.ProcessorCount) },
                "--load-cpus" => options with { LoadCpus = CpuSet.Parse(name, Value(), Environment.ProcessorCount) },
                "--heap" => options with { Heap = true },
                "--cpu0-spin" => options with { Cpu0Spin = true },
                "--server-env" => options with { ServerEnvironment = WithVariable(options.ServerEnvironment, name, Value()) },
                "--gc" => options with
                {
                    ServerGc = Value() switch
                    {
                        "server" => true,
                        "workstation" => false,
                        var other => throw new FormatException($"--gc must be server or workstation (got '{other}')."),
                    },
                },
                "--stub" => options with
                {
                    NativeStub = Value() switch
                    {
                        "native" => true,
                        "jit" => false,
                        var other => throw new FormatException($"--stub must be native or jit (got '{other}')."),
                    },
                },
                _ => throw new FormatException($"Unknown option '{name}' (see --help)."),
            };
        }

        return options;
    }

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> current, string name, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new FormatException($"{name} needs NAME=VALUE (got '{assignment}').");
        }

        return new Dictionary<string, string>(current) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }
}
