using System.Globalization;
using StackExchange.Redis;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// The soak's fleet on the hosting kit: Redis with Sentinel (a primary, a replica, three sentinels), two stubs recycling
/// their connections like grpc-go (GOAWAY after 20 s, 5 s grace), the IM nodes clustered through Sentinel, and the
/// shipped HAProxy configuration in front of them. Injects the faults and records each with the span it was in effect.
/// </summary>
internal sealed class SoakFleet : ISoakFleet
{
    private const string Prefix = "xiaozhi:im:";

    // Short cluster intervals, so a killed node's keys expire within the run and the checker's TTLs are seconds.
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(60);

    private readonly List<ImNode> _nodes = [];
    private readonly List<StubNode> _stubs = [];
    private readonly List<ChildProcess> _reloads = [];
    private RedisSentinelGroup? _redis;
    private Haproxy? _balancer;
    private SoakRedis? _client;

    private SoakFleet()
    {
    }

    public Uri DeviceUrl => _balancer!.DeviceUrl;

    public string RedisConfiguration => _redis!.Configuration;

    public string KeyPrefix => Prefix;

    public SoakBounds Bounds { get; } = new()
    {
        Nodes = SoakFleetShape.Nodes,
        DeviceKeyTtl = RefreshInterval * 3,
        NodeKeyTtl = HeartbeatInterval * 3,
        AfterOutage = RefreshInterval + TimeSpan.FromSeconds(2),
    };

    /// <summary>Starts a fleet, runs <paramref name="spec"/> on it, and stops it.</summary>
    public static async Task<SoakOutcome> SoakAsync(SoakSpec spec, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        await using var fleet = await StartAsync(progress).ConfigureAwait(false);
        return await SoakRun.RunAsync(spec, fleet, TimeProvider.System, progress).ConfigureAwait(false);
    }

    public async Task InjectAsync(SoakFault fault, SoakHistory history, Func<TimeSpan> now)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(now);
        var at = now();
        string target;
        switch (fault.Kind)
        {
            case FaultKind.NodeKilled:
                var killed = _nodes[fault.Target];
                target = killed.Name;
                await killed.KillAsync().ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                await killed.RestartAsync().ConfigureAwait(false);
                await WaitBalancedAsync(killed.Name).ConfigureAwait(false);
                break;
            case FaultKind.NodeDrained:
                var drained = _nodes[fault.Target];
                target = drained.Name;
                // Limits:DrainTimeout is 5 s here: the node closes its devices (1001) well within the grace.
                await drained.TerminateAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                await drained.RestartAsync().ConfigureAwait(false);
                await WaitBalancedAsync(drained.Name).ConfigureAwait(false);
                break;
            case FaultKind.AiStubKilled:
                var stub = _stubs[fault.Target];
                target = stub.Name;
                await stub.KillAsync().ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                await stub.RestartAsync().ConfigureAwait(false);
                break;
            case FaultKind.RedisPrimaryKilled:
                target = "redis";
                await KillRedisPrimaryAsync().ConfigureAwait(false);
                break;
            case FaultKind.BalancerReloaded:
                target = "haproxy";
                await ReloadBalancerAsync().ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "unknown fault");
        }

        history.Fault(new FaultInjected(fault.Kind, target, at, now()));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var reload in _reloads)
        {
            await reload.DisposeAsync().ConfigureAwait(false);
        }

        if (_balancer is not null)
        {
            await _balancer.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var stub in _stubs)
        {
            await stub.DisposeAsync().ConfigureAwait(false);
        }

        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<SoakFleet> StartAsync(TextWriter progress)
    {
        var fleet = new SoakFleet();
        try
        {
            progress.WriteLine("soak: starting Redis with Sentinel, two stubs, the IM nodes and HAProxy");
            fleet._redis = await RedisSentinelGroup.StartAsync().ConfigureAwait(false);
            fleet._client = await SoakRedis.ConnectAsync(fleet._redis.Configuration, TimeProvider.System).ConfigureAwait(false);
            foreach (var name in new[] { "stub-a", "stub-b" })
            {
                fleet._stubs.Add(StubNode.Start(new StubNodeSettings
                {
                    Name = name,
                    Arguments =
                    [
                        "--Stub:Faults:MaxConnectionAgeSeconds", "20", "--Stub:Faults:MaxConnectionAgeGraceSeconds", "5",
                        "--Stub:SyntheticFrames", SoakAnswer.ChatFrames.ToString(CultureInfo.InvariantCulture),
                    ],
                }));
            }

            foreach (var stub in fleet._stubs)
            {
                await stub.WaitReadyAsync(Ready).ConfigureAwait(false);
            }

            for (var i = 0; i < SoakFleetShape.Nodes; i++)
            {
                fleet._nodes.Add(ImNode.Start(new ImNodeSettings(SoakRun.Secret)
                {
                    Name = $"im{(i + 1).ToString(CultureInfo.InvariantCulture)}",
                    NodeId = $"im{(i + 1).ToString(CultureInfo.InvariantCulture)}",
                    Redis = fleet._redis.Configuration,
                    AiEndpoints = [.. fleet._stubs.Select(s => s.Address)],
                    Arguments =
                    [
                        "--Cluster:KeyPrefix", Prefix,
                        "--Cluster:RefreshInterval", RefreshInterval.ToString("c", CultureInfo.InvariantCulture),
                        "--Cluster:HeartbeatInterval", HeartbeatInterval.ToString("c", CultureInfo.InvariantCulture),
                        "--Limits:DrainTimeout", "00:00:05",
                        // Every device comes from 127.0.0.1 through the balancer.
                        "--ForwardedHeaders:KnownProxies:0", "127.0.0.1",
                    ],
                }));
            }

            foreach (var node in fleet._nodes)
            {
                await node.WaitReadyAsync(Ready).ConfigureAwait(false);
            }

            fleet._balancer = await Haproxy.StartAsync(new HaproxySettings([.. fleet._nodes.Select(n => n.Backend)])
            {
                MaxConnections = 2000,
                PerSourceConnections = 2000,
                CheckInterval = TimeSpan.FromMilliseconds(500),
                WaitUntilAllUp = true,
                KeepLines = 200,
            }).ConfigureAwait(false);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// SIGKILLs whichever data node Sentinel names the primary, waits until a write through Sentinel works on the new
    /// one, and starts the old one again on its port (empty): Sentinel turns it into the new primary's replica.
    /// </summary>
    private async Task KillRedisPrimaryAsync()
    {
        var redis = _redis!;
        var sentinel = redis.Sentinels[0].Port;
        var primaryPort = await redis.PrimaryPortAsync(sentinel).ConfigureAwait(false);
        var primary = new[] { redis.Primary, redis.Replica }.First(s => s.Port == primaryPort);
        await primary.KillAsync().ConfigureAwait(false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if (await redis.PrimaryPortAsync(sentinel).ConfigureAwait(false) is { } port && port != primaryPort
                    && await (await _client!.DatabaseAsync().ConfigureAwait(false)).StringSetAsync(Prefix + "soak:probe", "1", TimeSpan.FromSeconds(5)).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("soak: Sentinel did not fail over within 30 s");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        await primary.RestartAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A restarted node is back for devices once the balancer's health checks pass (<c>rise 2</c>): until then every
    /// device goes to the other nodes, so the fault lasts until this.
    /// </summary>
    private async Task WaitBalancedAsync(string server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await _balancer!.ServerStatusAsync().ConfigureAwait(false)).TryGetValue(server, out var state) && state.StartsWith("UP", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"soak: haproxy did not take {server} back within 30 s");
    }

    /// <summary>
    /// HAProxy's own reload: a new process on the same file and variables with <c>-sf</c> (it binds the same port, then
    /// the old processes stop listening and finish their open tunnels).
    /// </summary>
    private async Task ReloadBalancerAsync()
    {
        var balancer = _balancer!;
        var old = _reloads.Where(p => !p.HasExited).Select(p => p.Pid.ToString(CultureInfo.InvariantCulture)).ToList();
        if (!balancer.Process.HasExited)
        {
            old.Add(balancer.Pid.ToString(CultureInfo.InvariantCulture));
        }

        var environment = Haproxy.Variables(balancer.Settings, balancer.DeviceUrl.Port, balancer.SecureDeviceUrl.Port, balancer.StatsSocket);
        var reload = ChildProcess.Start(new ChildProcessOptions($"haproxy-reload-{_reloads.Count + 1}", Executables.Require("haproxy", "haproxy"))
        {
            Arguments = ["-db", "-f", Haproxy.ShippedConfiguration, "-sf", .. old],
            Environment = environment,
            KeepLines = 200,
        });
        _reloads.Add(reload);
        await FreePort.WaitListeningAsync(balancer.DeviceUrl.Port, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        // The new process's health checks: until they pass it has no node to send a device to.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var states = await balancer.ServerStatusAsync().ConfigureAwait(false);
                if (states.Count > 0 && states.Values.All(s => s.StartsWith("UP", StringComparison.Ordinal)))
                {
                    return;
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
