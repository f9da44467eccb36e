using System.Globalization;
using StackExchange.Redis;

namespace Xiaozhi.Hosting;

/// <summary>
/// A primary, one replica and three sentinels (quorum 2) on 127.0.0.1 with free ports, each sentinel with its own
/// writable config file (sentinel rewrites it). Short detection (down-after 1 s) so a failover ends in seconds.
/// </summary>
public sealed class RedisSentinelGroup : IAsyncDisposable
{
    public const string ServiceName = "xiaozhi";

    private readonly string _directory;
    private readonly List<RedisServer> _children = [];
    private readonly List<ConnectionMultiplexer> _clients = [];
    private readonly Dictionary<int, ConnectionMultiplexer> _sentinelClients = [];

    private RedisSentinelGroup(string directory) => _directory = directory;

    public RedisServer Primary { get; private set; } = null!;

    public RedisServer Replica { get; private set; } = null!;

    public IReadOnlyList<RedisServer> Sentinels { get; private set; } = [];

    /// <summary>The <c>Cluster:Redis</c> value for the nodes: the sentinels and the service name, never the data nodes.</summary>
    public string Configuration =>
        string.Join(',', Sentinels.Select(s => $"127.0.0.1:{s.Port.ToString(CultureInfo.InvariantCulture)}")) + $",serviceName={ServiceName}";

    public static async Task<RedisSentinelGroup> StartAsync()
    {
        var group = new RedisSentinelGroup(Directory.CreateTempSubdirectory("xiaozhi-sentinel-").FullName);
        try
        {
            await group.LaunchAsync();
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    private async Task LaunchAsync()
    {
        Primary = Track(await RedisServer.StartAsync().ConfigureAwait(false));
        var primaryPort = Primary.Port;
        Replica = Track(await RedisServer.StartReplicaAsync(Primary).ConfigureAwait(false));
        var sentinels = new List<RedisServer>();
        for (var i = 0; i < 3; i++)
        {
            var port = FreePort.Pick();
            var file = Path.Combine(_directory, $"sentinel-{i}.conf");
            await File.WriteAllLinesAsync(file,
            [
                $"port {port}",
                "bind 127.0.0.1",
                "protected-mode no",
                $"dir {_directory}",
                $"sentinel monitor {ServiceName} 127.0.0.1 {primaryPort} 2",
                $"sentinel down-after-milliseconds {ServiceName} 1000",
                $"sentinel failover-timeout {ServiceName} 3000",
                $"sentinel parallel-syncs {ServiceName} 1",
            ]);
            sentinels.Add(Track(await RedisServer.StartSentinelAsync(port, file).ConfigureAwait(false)));
        }

        Sentinels = sentinels;
        await WaitUntilFailoverReadyAsync();
    }

    /// <summary>
    /// A failover needs every sentinel to know the replica (in sync) and the other two sentinels (hello messages every
    /// 2 s): before that a killed primary would not be replaced, and the test would measure the set-up, not the failover.
    /// </summary>
    private async Task WaitUntilFailoverReadyAsync()
    {
        var replica = (await ClientAsync(Replica.Port)).GetServer("127.0.0.1", Replica.Port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var ready = (await replica.InfoAsync("replication")).SelectMany(g => g).Any(p => p.Key == "master_link_status" && p.Value == "up");
            foreach (var sentinel in Sentinels)
            {
                var server = (await SentinelClientAsync(sentinel.Port)).GetServer("127.0.0.1", sentinel.Port);
                var replicas = await server.SentinelReplicasAsync(ServiceName);
                var peers = await server.SentinelSentinelsAsync(ServiceName);
                ready &= replicas.Length == 1 && !Field(replicas[0], "flags").Contains("down", StringComparison.Ordinal)
                    && !Field(replicas[0], "flags").Contains("disconnected", StringComparison.Ordinal) && peers.Length == 2;
            }

            if (ready)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException("the sentinels did not discover the replica and each other within 20 s");
            }

            await Task.Delay(100);
        }
    }

    private static string Field(KeyValuePair<string, string>[] entry, string name) =>
        entry.FirstOrDefault(p => p.Key == name).Value ?? string.Empty;

    /// <summary>The primary's port as the given sentinel names it now.</summary>
    public async Task<int?> PrimaryPortAsync(int sentinelPort)
    {
        var endpoint = await (await SentinelClientAsync(sentinelPort)).GetServer("127.0.0.1", sentinelPort).SentinelGetMasterAddressByNameAsync(ServiceName);
        return (endpoint as System.Net.IPEndPoint)?.Port;
    }

    /// <summary>A plain client on one data node, for the test's own reads and subscriptions.</summary>
    public async Task<ConnectionMultiplexer> ClientAsync(int port)
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true;
        var client = await ConnectionMultiplexer.ConnectAsync(options);
        _clients.Add(client);
        return client;
    }

    private async Task<ConnectionMultiplexer> SentinelClientAsync(int port)
    {
        if (_sentinelClients.TryGetValue(port, out var known))
        {
            return known;
        }

        var options = new ConfigurationOptions { EndPoints = { { "127.0.0.1", port } }, CommandMap = CommandMap.Sentinel, AbortOnConnectFail = false, AllowAdmin = true };
        var client = await ConnectionMultiplexer.ConnectAsync(options);
        _clients.Add(client);
        _sentinelClients[port] = client;
        return client;
    }

    private RedisServer Track(RedisServer child)
    {
        _children.Add(child);
        return child;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        foreach (var child in _children)
        {
            await child.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
