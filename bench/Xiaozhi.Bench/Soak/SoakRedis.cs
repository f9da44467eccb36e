using System.Net;
using StackExchange.Redis;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// The driver's own Redis client: the primary the sentinels name, asked the way the nodes ask
/// (<see cref="SentinelPrimary"/>), and one plain connection to it. The client's built-in Sentinel mode blocked the
/// driver's pool threads while the primary failed over, so every device of the soak stalled with it and the
/// hellos it timed looked seconds late.
/// </summary>
internal sealed class SoakRedis : IAsyncDisposable
{
    private static readonly TimeSpan AskEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly SentinelPrimary _sentinels;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<ConnectionMultiplexer> _clients = [];
    private (EndPoint Primary, ConnectionMultiplexer Client)? _current;
    private long _askedAt;

    private SoakRedis(SentinelPrimary sentinels, TimeProvider time)
    {
        _sentinels = sentinels;
        _time = time;
    }

    public static async Task<SoakRedis> ConnectAsync(string configuration, TimeProvider time)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.ConnectTimeout = (int)Timeout.TotalMilliseconds;
        return new SoakRedis(await SentinelPrimary.ConnectAsync(options).ConfigureAwait(false), time);
    }

    /// <summary>The database on the primary named now (asked again at most every 200 ms); throws while none is named.</summary>
    public async Task<IDatabase> DatabaseAsync() => (await ClientAsync().ConfigureAwait(false)).Client.GetDatabase();

    /// <summary>The primary's server, for scans.</summary>
    public async Task<IServer> PrimaryAsync()
    {
        var (primary, client) = await ClientAsync().ConfigureAwait(false);
        return client.GetServer(primary);
    }

    private async Task<(EndPoint Primary, ConnectionMultiplexer Client)> ClientAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && _time.GetElapsedTime(_askedAt) < AskEvery)
            {
                return fresh;
            }

            var primary = await _sentinels.AskAsync().ConfigureAwait(false)
                ?? throw new RedisException("soak: no sentinel names a primary");
            _askedAt = _time.GetTimestamp();
            if (_current is { } current && current.Primary.Equals(primary))
            {
                return current;
            }

            var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = (int)Timeout.TotalMilliseconds, AsyncTimeout = (int)Timeout.TotalMilliseconds };
            options.EndPoints.Add(primary);
            var client = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            _clients.Add(client);
            _current = (primary, client);
            return _current.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        await _sentinels.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
