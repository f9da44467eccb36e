using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The node's one connection to the Redis primary: a multiplexer that never blocks start-up or an upgrade
/// (AbortOnConnectFail off, fail-fast backlog, short timeouts), subscribed to the node's control channel; with Sentinel
/// it follows the primary the sentinels name (see <see cref="SentinelPrimary"/>); and whether Redis answers now (one
/// log line per change, not per call). <see cref="ClusterStore"/> runs its commands through it.
/// </summary>
internal sealed partial class RedisPrimaryLink : IAsyncDisposable
{
    /// <summary>How often the sentinels are asked while the node is not on the primary they name.</summary>
    private static readonly TimeSpan FollowPeriod = TimeSpan.FromMilliseconds(200);

    private readonly string _redisConfiguration;
    private readonly string _nodeId;
    private readonly RedisChannel _control;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisPrimaryLink> _logger;
    private readonly Lock _stateLock = new();
    private readonly SemaphoreSlim _following = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private ConnectionMultiplexer? _redis;
    private SentinelPrimary? _sentinel;
    private ConfigurationOptions? _dataConfiguration;
    private EndPoint? _primary;
    private bool? _up;
    private DateTimeOffset _since;
    private string _lastProblem = "not connected yet";

    /// <param name="redisConfiguration">The StackExchange.Redis configuration string (<c>Cluster:Redis</c>).</param>
    /// <param name="nodeId">This node's id (the logs, the client name).</param>
    /// <param name="control">This node's control channel, where other nodes publish its kicks.</param>
    public RedisPrimaryLink(string redisConfiguration, string nodeId, string control, TimeProvider time, ILogger<RedisPrimaryLink> logger)
    {
        _redisConfiguration = redisConfiguration;
        _nodeId = nodeId;
        _control = RedisChannel.Literal(control);
        _time = time;
        _logger = logger;
        _since = time.GetUtcNow();
    }

    /// <summary>True while Redis answers; false from the first failure until the next success.</summary>
    public bool IsUp
    {
        get
        {
            lock (_stateLock)
            {
                return _up == true;
            }
        }
    }

    /// <summary>Raised for every kick on this node's control channel.</summary>
    public event Action<ClusterKick>? KickReceived;

    /// <summary>Raised (off the caller's path) when Redis answers again after being down.</summary>
    public event Action? Restored;

    /// <summary>Raised when the connection came back or moved to a new primary.</summary>
    public event Action? Reconnected;

    /// <summary>Whether the control channel subscription is live now.</summary>
    public bool ControlSubscribed => _redis?.GetSubscriber().IsConnected(_control) == true;

    public string Describe()
    {
        lock (_stateLock)
        {
            return _up == true
                ? $"cluster node {_nodeId}: store up since {_since:O}"
                : $"cluster node {_nodeId}: store down since {_since:O} ({_lastProblem}); admitting devices on this node's own knowledge";
        }
    }

    /// <summary>Connects without waiting for Redis to answer (start-up is never blocked by an outage).</summary>
    public async Task ConnectAsync()
    {
        var configuration = ConfigurationOptions.Parse(_redisConfiguration);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 1000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 1000);
        configuration.ReconnectRetryPolicy ??= new ExponentialRetry(100, 2000);
        configuration.ClientName ??= $"xiaozhi-im:{_nodeId}";
        if (string.IsNullOrEmpty(configuration.ServiceName))
        {
            (_redis, _) = await ConnectDataAsync(configuration).ConfigureAwait(false);
            return;
        }

        // Sentinel: the node asks the sentinels itself and talks to the one primary they name (see SentinelPrimary).
        _sentinel = await SentinelPrimary.ConnectAsync(configuration).ConfigureAwait(false);
        _sentinel.Switched += FollowPrimary;
        _dataConfiguration = configuration.Clone();
        _dataConfiguration.ServiceName = null;
        _dataConfiguration.EndPoints.Clear();

        // One look now (start-up reads the node key next); with no primary yet the node starts and keeps asking.
        bool settled;
        await _following.WaitAsync().ConfigureAwait(false);
        try
        {
            settled = await FollowOnceAsync().ConfigureAwait(false);
        }
        finally
        {
            _following.Release();
        }

        if (!settled)
        {
            FollowPrimary();
        }
    }

    /// <summary>Runs one command on the current primary: its answer marks Redis up, a failure or timeout marks it down and throws.</summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command)
    {
        var redis = _redis ?? throw new RedisException("no sentinel has named a Redis primary yet");
        try
        {
            var result = await command(redis.GetDatabase()).ConfigureAwait(false);
            MarkUp();
            return result;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            MarkDown(e.Message);
            throw;
        }
    }

    /// <summary>Redis failed or timed out: warn once per change, not per call.</summary>
    public void MarkDown(string problem)
    {
        bool changed;
        lock (_stateLock)
        {
            _lastProblem = problem;
            changed = _up != false;
            if (changed)
            {
                _up = false;
                _since = _time.GetUtcNow();
            }
        }

        if (changed)
        {
            LogStoreDown(_logger, _nodeId, problem);
        }

        // With Sentinel every failure is a reason to ask who the primary is now.
        FollowPrimary();
    }

    private void MarkUp()
    {
        bool restored;
        lock (_stateLock)
        {
            if (_up == true)
            {
                return;
            }

            restored = _up == false;
            _up = true;
            _since = _time.GetUtcNow();
        }

        LogStoreUp(_logger, _nodeId);
        if (restored)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Restored?.Invoke(), null);
        }
    }

    /// <summary>A multiplexer on <paramref name="configuration"/>'s data node(s), and whether it is subscribed to this node's control channel yet.</summary>
    private async Task<(ConnectionMultiplexer Redis, bool Subscribed)> ConnectDataAsync(ConfigurationOptions configuration)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);

        // Events of a multiplexer the node has left behind (a former primary's) say nothing about the store.
        redis.ConnectionFailed += (sender, e) =>
        {
            if (ReferenceEquals(sender, _redis))
            {
                MarkDown($"{e.ConnectionType} connection failed: {e.FailureType}");
            }
        };
        redis.ConnectionRestored += (sender, _) =>
        {
            if (ReferenceEquals(sender, _redis))
            {
                Reconnected?.Invoke();
            }
        };
        try
        {
            // The multiplexer re-subscribes by itself after every reconnect.
            await redis.GetSubscriber().SubscribeAsync(_control, (_, message) =>
            {
                if (ClusterKick.TryParse(message) is { } kick)
                {
                    KickReceived?.Invoke(kick);
                }
                else
                {
                    LogBadKick(_logger, message.ToString());
                }
            }).ConfigureAwait(false);
            return (redis, true);
        }
        catch (RedisException e)
        {
            MarkDown(e.Message);
            return (redis, false);
        }
    }

    /// <summary>Starts <see cref="FollowPrimaryAsync"/> unless it runs already (a failover signal, or a failure).</summary>
    private void FollowPrimary()
    {
        if (_sentinel is null || _disposed.IsCancellationRequested)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await FollowPrimaryAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
            {
                MarkDown(e.Message);
            }
        });
    }

    /// <summary>
    /// Until the node's connection is on the primary the sentinels name and that server answers as a primary: asks the
    /// sentinels every <see cref="FollowPeriod"/> and moves to a new primary when they name one.
    /// </summary>
    private async Task FollowPrimaryAsync()
    {
        if (!await _following.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            while (!_disposed.IsCancellationRequested && !await FollowOnceAsync().ConfigureAwait(false))
            {
                await Task.Delay(FollowPeriod, _time, _disposed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        finally
        {
            _following.Release();
        }
    }

    /// <summary>One look at the sentinels' answer (see <see cref="SentinelView.Next"/>); true once settled on the primary.</summary>
    private async Task<bool> FollowOnceAsync()
    {
        var sentinel = _sentinel!;
        var named = await sentinel.AskAsync().ConfigureAwait(false);
        var current = _redis;
        var currentIsPrimary = current is not null && _primary is not null && current.GetServer(_primary) is { IsConnected: true, IsReplica: false };
        switch (SentinelView.Next(named, _primary, currentIsPrimary))
        {
            case PrimaryMove.Settled:
                return true;
            case PrimaryMove.Switch:
                return await SwitchToAsync(named!).ConfigureAwait(false);
            default:
                if (named is null)
                {
                    MarkDown($"no sentinel names a primary for service {sentinel.ServiceName}");
                }

                return false;
        }
    }

    /// <summary>Connects to <paramref name="primary"/> and moves every command there; false when it is not usable yet.</summary>
    private async Task<bool> SwitchToAsync(EndPoint primary)
    {
        if (_redis is not null)
        {
            MarkDown($"the sentinels name {primary} the primary of {_sentinel!.ServiceName}");
        }

        var configuration = _dataConfiguration!.Clone();
        configuration.EndPoints.Add(primary);
        var (next, subscribed) = await ConnectDataAsync(configuration).ConfigureAwait(false);
        if (!subscribed || next.GetServer(primary) is not { IsConnected: true, IsReplica: false })
        {
            // Not a primary yet (promotion under way), or unreachable: a kick published there now would be lost.
            await CloseQuietlyAsync(next).ConfigureAwait(false);
            return false;
        }

        var previous = Interlocked.Exchange(ref _redis, next);
        _primary = primary;
        LogPrimaryFollowed(_logger, _nodeId, primary.ToString() ?? string.Empty, _sentinel!.ServiceName);
        if (previous is not null)
        {
            _ = CloseQuietlyAsync(previous);
        }

        // The node probes at once (its beat marks the store up and re-claims) instead of on its next heartbeat.
        Reconnected?.Invoke();
        return true;
    }

    private static async Task CloseQuietlyAsync(ConnectionMultiplexer redis)
    {
        await redis.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        await redis.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_redis is not null)
        {
            await CloseQuietlyAsync(_redis).ConfigureAwait(false);
        }

        if (_sentinel is not null)
        {
            await _sentinel.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Cluster store down on node {NodeId}: {Problem}; devices are admitted on this node's own knowledge and claimed when Redis answers")]
    private static partial void LogStoreDown(ILogger logger, string nodeId, string problem);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "Cluster store up on node {NodeId}")]
    private static partial void LogStoreUp(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Cluster node {NodeId} follows the Redis primary {Primary} the sentinels name for service {ServiceName}")]
    private static partial void LogPrimaryFollowed(ILogger logger, string nodeId, string primary, string serviceName);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Ignored a control message that is not a kick: {Message}")]
    private static partial void LogBadKick(ILogger logger, string message);
}
