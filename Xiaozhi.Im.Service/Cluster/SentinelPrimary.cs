using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The node's own connection to the sentinels: which data node is the primary now (<see cref="AskAsync"/>), and a
/// signal when a failover ends (<c>+switch-master</c>). The node connects to that one data node only: the client's
/// built-in Sentinel mode keeps every data node it ever saw, and an old primary that comes back empty is a primary too
/// until Sentinel turns it into a replica (about 8 s), so part of the node's writes went to a server that then dropped
/// them, and its kicks reached nobody.
/// </summary>
internal sealed class SentinelPrimary : IAsyncDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);
    private readonly ConnectionMultiplexer _sentinels;

    private SentinelPrimary(ConnectionMultiplexer sentinels, string serviceName)
    {
        _sentinels = sentinels;
        ServiceName = serviceName;
    }

    public string ServiceName { get; }

    /// <summary>Raised when a sentinel announces a new primary for this service.</summary>
    public event Action? Switched;

    /// <summary>Connects to the sentinels of <paramref name="configuration"/> (never blocking on them: they may be away).</summary>
    public static async Task<SentinelPrimary> ConnectAsync(ConfigurationOptions configuration)
    {
        var options = configuration.Clone();
        var serviceName = options.ServiceName ?? throw new InvalidOperationException("no Sentinel service name");
        options.ServiceName = null;
        options.CommandMap = CommandMap.Sentinel;
        options.AbortOnConnectFail = false;
        options.ClientName = null;
        var sentinels = new SentinelPrimary(await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false), serviceName);
        try
        {
            await sentinels._sentinels.GetSubscriber().SubscribeAsync(RedisChannel.Literal("+switch-master"), (_, message) => sentinels.OnSwitch(message)).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // No sentinel answers yet: the store asks them again after every failure anyway.
        }

        return sentinels;
    }

    /// <summary>The primary as the sentinels that answer name it (newest configuration wins); null when none answers.</summary>
    public async Task<EndPoint?> AskAsync()
    {
        var views = await Task.WhenAll(_sentinels.GetEndPoints().Select(AskOneAsync)).ConfigureAwait(false);
        return SentinelView.Newest(views);
    }

    private async Task<SentinelView?> AskOneAsync(EndPoint sentinel)
    {
        try
        {
            var fields = await _sentinels.GetServer(sentinel).SentinelMasterAsync(ServiceName).WaitAsync(AskTimeout).ConfigureAwait(false);
            string? Field(string name) => fields.FirstOrDefault(f => f.Key == name).Value;
            if (Field("ip") is not { } ip || !int.TryParse(Field("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                || !long.TryParse(Field("config-epoch"), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                return null;
            }

            EndPoint primary = IPAddress.TryParse(ip, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(ip, port);
            return new SentinelView(primary, epoch);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private void OnSwitch(RedisValue message)
    {
        // "<service> <old ip> <old port> <new ip> <new port>"
        var text = message.ToString();
        if (text.StartsWith(ServiceName + " ", StringComparison.Ordinal))
        {
            Switched?.Invoke();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sentinels.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        await _sentinels.DisposeAsync().ConfigureAwait(false);
    }
}
