using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The node's Redis: one multiplexer that never blocks start-up or an upgrade (AbortOnConnectFail off, fail-fast
/// backlog, short timeouts), the scripts, and whether Redis answers now (one log line per change, not per call).
/// </summary>
internal sealed partial class ClusterStore : IClusterStore, IClusterNodeStore
{
    private const int BatchSize = 200;

    /// <summary>How often the sentinels are asked while the node is not on the primary they name.</summary>
    private static readonly TimeSpan FollowPeriod = TimeSpan.FromMilliseconds(200);

    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterStore> _logger;
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

    public ClusterStore(IOptions<ClusterOptions> options, ClusterIdentity identity, TimeProvider time, ILogger<ClusterStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        Keys = new ClusterKeys(_options.KeyPrefix);
        NodeId = identity.NodeId;
        _since = time.GetUtcNow();
    }

    public ClusterKeys Keys { get; }

    public string NodeId { get; }

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

    /// <inheritdoc />
    public event Action<ClusterKick>? KickReceived;

    /// <inheritdoc />
    public event Action? Restored;

    /// <inheritdoc />
    public event Action? Reconnected;

    public string Describe()
    {
        lock (_stateLock)
        {
            return _up == true
                ? $"cluster node {NodeId}: store up since {_since:O}"
                : $"cluster node {NodeId}: store down since {_since:O} ({_lastProblem}); admitting devices on this node's own knowledge";
        }
    }

    public async Task ConnectAsync()
    {
        var configuration = ConfigurationOptions.Parse(_options.Redis!);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 1000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 1000);
        configuration.ReconnectRetryPolicy ??= new ExponentialRetry(100, 2000);
        configuration.ClientName ??= $"xiaozhi-im:{NodeId}";
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
        var control = RedisChannel.Literal(Keys.Control(NodeId));
        try
        {
            // The multiplexer re-subscribes by itself after every reconnect.
            await redis.GetSubscriber().SubscribeAsync(control, (_, message) =>
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
        LogPrimaryFollowed(_logger, NodeId, primary.ToString() ?? string.Empty, _sentinel!.ServiceName);
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

    /// <summary>Whether the control channel subscription is live now.</summary>
    public bool ControlSubscribed => _redis?.GetSubscriber().IsConnected(RedisChannel.Literal(Keys.Control(NodeId))) == true;

    /// <summary>Who owns the device now, and whether its node listens on its control channel (the Reject check).</summary>
    public async Task<(DeviceOwner? Owner, bool Listening)> OwnerAsync(string deviceId)
    {
        var fields = await Run(db => db.HashGetAsync(Keys.Device(deviceId), [(RedisValue)"node_id", (RedisValue)"session_id", (RedisValue)"claim"])).ConfigureAwait(false);
        if (fields[2].IsNull)
        {
            return (null, false);
        }

        var owner = new DeviceOwner(fields[0].ToString(), fields[1].ToString(), fields[2].ToString());
        var numsub = (RedisResult[])(await Run(db => db.ExecuteAsync("PUBSUB", "NUMSUB", Keys.Control(owner.NodeId))).ConfigureAwait(false))!;
        return (owner, numsub.Length > 1 && (long)numsub[1] > 0);
    }

    /// <summary>
    /// Writes the device key for <paramref name="owned"/>. <paramref name="expectedClaim"/>: null under Replace (take
    /// it whoever owns it), else the owner's claim the Reject check saw (empty for none): anything else refuses.
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(OwnedSession owned, string? expectedClaim, string onlineEvent)
    {
        var result = (RedisResult[])(await RunAsync(
            ClusterScripts.Claim,
            [Keys.Device(owned.DeviceId), Keys.NodeDevices(NodeId)],
            [NodeId, owned.SessionId, owned.ClientId, owned.Claim, (long)_options.DeviceKeyTtl.TotalMilliseconds, owned.DeviceId, Keys.Presence,
                onlineEvent, expectedClaim ?? ExpectedOwner.AnyClaim]).ConfigureAwait(false))!;
        var previousClaim = result[3].ToString();
        var previous = previousClaim.Length == 0 ? null : new DeviceOwner(result[1].ToString(), result[2].ToString(), previousClaim);
        return new ClaimResult((ClaimStatus)(int)result[0] == ClaimStatus.Claimed, previous, (long)result[4]);
    }

    /// <summary>Publishes the kick for <paramref name="owner"/> on its node's control channel; how many received it.</summary>
    public Task<long> KickAsync(string deviceId, DeviceOwner owner) =>
        Run(db => db.PublishAsync(RedisChannel.Literal(Keys.Control(owner.NodeId)), owner.Kick(deviceId).ToJson()));

    public async Task<bool> ReleaseAsync(OwnedSession owned, string offlineEvent)
    {
        var result = await RunAsync(
            ClusterScripts.Release,
            [Keys.Device(owned.DeviceId), Keys.NodeDevices(NodeId)],
            [owned.Claim, owned.DeviceId, Keys.Presence, offlineEvent, NodeId]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Refreshes the claims in batches; one result per claim (see <see cref="ClusterScripts.Refresh"/>).</summary>
    public async Task<RefreshResult[]> RefreshAsync(IReadOnlyList<OwnedSession> owned)
    {
        var results = new RefreshResult[owned.Count];
        for (var start = 0; start < owned.Count; start += BatchSize)
        {
            var count = Math.Min(BatchSize, owned.Count - start);
            var keys = new RedisKey[count + 1];
            var args = new RedisValue[2 + (count * 6)];
            args[0] = NodeId;
            args[1] = (long)_options.DeviceKeyTtl.TotalMilliseconds;
            for (var i = 0; i < count; i++)
            {
                var o = owned[start + i];
                keys[i] = Keys.Device(o.DeviceId);
                var b = 2 + (i * 6);
                args[b] = o.DeviceId;
                args[b + 1] = o.SessionId;
                args[b + 2] = o.ClientId;
                args[b + 3] = o.ConnectedAtUnixMs > 0 ? o.ConnectedAtUnixMs : RedisValue.EmptyString;
                args[b + 4] = (long)_time.GetElapsedTime(o.StartedTimestamp).TotalMilliseconds;
                args[b + 5] = o.Claim;
            }

            keys[count] = Keys.NodeDevices(NodeId);
            var result = (RedisResult[])(await RunAsync(ClusterScripts.Refresh, keys, args).ConfigureAwait(false))!;
            for (var i = 0; i < count; i++)
            {
                var r = i * 5;
                var displacedClaim = result[r + 4].ToString();
                results[start + i] = new RefreshResult(
                    (RefreshOutcome)(int)result[r],
                    (long)result[r + 1],
                    displacedClaim.Length == 0 ? null : new DeviceOwner(result[r + 2].ToString(), result[r + 3].ToString(), displacedClaim));
            }
        }

        return results;
    }

    /// <summary>Deletes the keys this node owned before it (re)started; returns (device, session, client) of each.</summary>
    public async Task<IReadOnlyList<(string DeviceId, string SessionId, string ClientId)>> CleanupAsync(IEnumerable<string> liveClaims)
    {
        // The members are read first so that the script gets every device key it touches as one of its KEYS.
        var members = await Run(db => db.SetMembersAsync(Keys.NodeDevices(NodeId))).ConfigureAwait(false);
        var keys = new List<RedisKey> { Keys.NodeDevices(NodeId) };
        var args = new List<RedisValue> { NodeId };
        foreach (var member in members)
        {
            keys.Add(Keys.Device(member.ToString()));
            args.Add(member);
        }

        args.AddRange(liveClaims.Select(c => (RedisValue)c));
        var result = (RedisResult[])(await RunAsync(ClusterScripts.Cleanup, [.. keys], [.. args]).ConfigureAwait(false))!;
        var gone = new List<(string, string, string)>();
        for (var i = 0; i + 2 < result.Length; i += 3)
        {
            gone.Add((result[i].ToString(), result[i + 1].ToString(), result[i + 2].ToString()));
        }

        return gone;
    }

    /// <summary>Beats the node key; <paramref name="instance"/> tells this process from another with the same node id.</summary>
    public Task HeartbeatAsync(string instance, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var args = new RedisValue[2 + (fields.Count * 2)];
        args[0] = (long)_options.NodeKeyTtl.TotalMilliseconds;
        args[1] = instance;
        for (var i = 0; i < fields.Count; i++)
        {
            args[2 + (i * 2)] = fields[i].Key;
            args[3 + (i * 2)] = fields[i].Value;
        }

        return RunAsync(ClusterScripts.Heartbeat, [Keys.Node(NodeId)], args);
    }

    /// <summary>The node key's last beat (instance, beat_at on Redis' clock), or null when there is no node key.</summary>
    public async Task<NodeBeat?> ReadBeatAsync()
    {
        var fields = await Run(db => db.HashGetAsync(Keys.Node(NodeId), [(RedisValue)"instance", (RedisValue)"beat_at"])).ConfigureAwait(false);
        return fields[0].IsNull && fields[1].IsNull ? null : new NodeBeat(fields[0].ToString(), fields[1].IsNull ? 0 : (long)fields[1]);
    }

    public async Task PublishPresenceAsync(string presenceEvent)
    {
        await Run(db => db.PublishAsync(RedisChannel.Literal(Keys.Presence), presenceEvent)).ConfigureAwait(false);
    }

    public async Task DeleteNodeKeyAsync()
    {
        await Run(db => db.KeyDeleteAsync(Keys.Node(NodeId))).ConfigureAwait(false);
    }

    private Task<RedisResult> RunAsync(string script, RedisKey[] keys, RedisValue[] args) =>
        Run(db => db.ScriptEvaluateAsync(script, keys, args));

    private async Task<T> Run<T>(Func<IDatabase, Task<T>> command)
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
            LogStoreDown(_logger, NodeId, problem);
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

        LogStoreUp(_logger, NodeId);
        if (restored)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Restored?.Invoke(), null);
        }
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
