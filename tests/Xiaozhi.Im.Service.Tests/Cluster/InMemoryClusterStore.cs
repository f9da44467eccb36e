using StackExchange.Redis;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>
/// One node's <see cref="IClusterStore"/> over an <see cref="InMemoryRedis"/>: the same atomic steps as the Lua scripts
/// of <see cref="ClusterScripts"/> (claim with the Reject expectation, compare-and-delete release, the refresh's
/// newest-connection-wins on Redis' clock, the start-up cleanup, the node key's heartbeat), failing like the real store
/// while Redis is down and raising <see cref="Restored"/> on the first answer after a failure.
/// </summary>
internal sealed class InMemoryClusterStore : IClusterStore, IClusterNodeStore
{
    private readonly InMemoryRedis _redis;
    private readonly TimeProvider _nodeClock;
    private bool _up = true;

    public InMemoryClusterStore(InMemoryRedis redis, string nodeId, TimeProvider nodeClock)
    {
        _redis = redis;
        _nodeClock = nodeClock;
        NodeId = nodeId;
        redis.Subscribe(this);
    }

    public string NodeId { get; }

    public ClusterKeys Keys { get; } = new("test:");

    public bool IsUp => _up;

    public event Action<ClusterKick>? KickReceived;

    public event Action? Restored;

    /// <summary>Never raised: the in-memory connection is never lost, only Redis' answers.</summary>
    public event Action? Reconnected
    {
        add { }
        remove { }
    }

    public Task ConnectAsync() => Task.CompletedTask;

    public Task HeartbeatAsync(string instance, IReadOnlyList<KeyValuePair<string, string>> fields) => Run(() =>
    {
        _redis.Nodes[NodeId] = new NodeKey(instance, _redis.NowMs, _redis.NowMs + (long)NodeKeyTtl.TotalMilliseconds, fields.ToDictionary(StringComparer.Ordinal));
        return 0;
    });

    public Task<NodeBeat?> ReadBeatAsync() => Run(() =>
        _redis.Nodes.TryGetValue(NodeId, out var key) && key.ExpiresAtUnixMs > _redis.NowMs ? new NodeBeat(key.Instance, key.BeatAtUnixMs) : null);

    public Task DeleteNodeKeyAsync() => Run(() => _redis.Nodes.Remove(NodeId));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The node key's TTL, as <see cref="ClusterOptions.NodeKeyTtl"/> gives it to the real store.</summary>
    public TimeSpan NodeKeyTtl { get; init; } = new ClusterOptions().NodeKeyTtl;

    public void MarkDown(string problem) => _up = false;

    public void Deliver(ClusterKick kick) => KickReceived?.Invoke(kick);

    public Task<(DeviceOwner? Owner, bool Listening)> OwnerAsync(string deviceId) => Run(() =>
    {
        if (!_redis.Devices.TryGetValue(deviceId, out var key))
        {
            return ((DeviceOwner?)null, false);
        }

        return (new DeviceOwner(key.NodeId, key.SessionId, key.Claim), _redis.Listens(key.NodeId));
    });

    public Task<ClaimResult> ClaimAsync(OwnedSession owned, string? expectedClaim, string onlineEvent) => Run(() =>
    {
        _redis.Devices.TryGetValue(owned.DeviceId, out var current);
        var previous = current is null ? null : new DeviceOwner(current.NodeId, current.SessionId, current.Claim);
        if (expectedClaim is not null && (current?.Claim ?? string.Empty) != expectedClaim && current?.Claim != owned.Claim)
        {
            return new ClaimResult(false, previous, 0);
        }

        var now = _redis.NowMs;
        _redis.Devices[owned.DeviceId] = new DeviceKey(NodeId, owned.SessionId, owned.ClientId, now, owned.Claim);
        _redis.SetOf(NodeId).Add(owned.DeviceId);
        if (current?.Claim != owned.Claim)
        {
            _redis.Presence.Add(onlineEvent);
        }

        return new ClaimResult(true, previous, now);
    });

    public async Task<long> KickAsync(string deviceId, DeviceOwner owner)
    {
        await Run(() => 0).ConfigureAwait(false);
        return _redis.Publish(owner.NodeId, new ClusterKickMessage(owner.Kick(deviceId).ToJson()));
    }

    public Task<bool> ReleaseAsync(OwnedSession owned, string offlineEvent) => Run(() =>
    {
        _redis.Devices.TryGetValue(owned.DeviceId, out var current);
        var deleted = current?.Claim == owned.Claim;
        if (deleted)
        {
            _redis.Devices.Remove(owned.DeviceId);
        }

        if (deleted || current?.NodeId != NodeId)
        {
            _redis.SetOf(NodeId).Remove(owned.DeviceId);
        }

        _redis.Presence.Add(offlineEvent);
        return deleted;
    });

    public Task<RefreshResult[]> RefreshAsync(IReadOnlyList<OwnedSession> owned) => Run(() =>
    {
        var now = _redis.NowMs;
        var results = new RefreshResult[owned.Count];
        for (var i = 0; i < owned.Count; i++)
        {
            var o = owned[i];
            var at = o.ConnectedAtUnixMs > 0 ? o.ConnectedAtUnixMs : now - (long)_nodeClock.GetElapsedTime(o.StartedTimestamp).TotalMilliseconds;
            _redis.Devices.TryGetValue(o.DeviceId, out var current);
            if (current?.Claim == o.Claim)
            {
                results[i] = new RefreshResult(RefreshOutcome.StillOurs, current.ConnectedAtUnixMs, null);
                continue;
            }

            RefreshOutcome outcome;
            DeviceOwner? displaced = null;
            if (current is null)
            {
                outcome = RefreshOutcome.Recreated;
            }
            else if (current.ConnectedAtUnixMs > at || (current.ConnectedAtUnixMs == at && string.CompareOrdinal(current.Claim, o.Claim) > 0))
            {
                results[i] = new RefreshResult(RefreshOutcome.NewerOwns, at, null);
                continue;
            }
            else
            {
                outcome = RefreshOutcome.TookOlder;
                displaced = new DeviceOwner(current.NodeId, current.SessionId, current.Claim);
            }

            _redis.Devices[o.DeviceId] = new DeviceKey(NodeId, o.SessionId, o.ClientId, at, o.Claim);
            _redis.SetOf(NodeId).Add(o.DeviceId);
            results[i] = new RefreshResult(outcome, at, displaced);
        }

        return results;
    });

    public Task<IReadOnlyList<(string DeviceId, string SessionId, string ClientId)>> CleanupAsync(IEnumerable<string> liveClaims) => Run(() =>
    {
        var keep = liveClaims.ToHashSet(StringComparer.Ordinal);
        var gone = new List<(string, string, string)>();
        var set = _redis.SetOf(NodeId);
        foreach (var deviceId in set.ToList())
        {
            _redis.Devices.TryGetValue(deviceId, out var current);
            var ours = current?.NodeId == NodeId;
            if (ours && !keep.Contains(current!.Claim))
            {
                _redis.Devices.Remove(deviceId);
                gone.Add((deviceId, current.SessionId, current.ClientId));
            }

            if (!(ours && keep.Contains(current!.Claim)))
            {
                set.Remove(deviceId);
            }
        }

        return (IReadOnlyList<(string, string, string)>)gone;
    });

    public Task PublishPresenceAsync(string presenceEvent) => Run(() =>
    {
        _redis.Presence.Add(presenceEvent);
        return 0;
    });

    private Task<T> Run<T>(Func<T> step)
    {
        bool restored;
        T result;
        lock (_redis.Gate)
        {
            if (!_redis.Up)
            {
                _up = false;
                return Task.FromException<T>(new RedisException("redis is down (in-memory)"));
            }

            restored = !_up;
            _up = true;
            result = step();
        }

        if (restored)
        {
            Restored?.Invoke();
        }

        return Task.FromResult(result);
    }
}
