using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The cluster's Redis commands (the <see cref="ClusterScripts"/> and single commands), each run on the primary
/// through the node's <see cref="RedisPrimaryLink"/>, which also says whether Redis answers now.
/// </summary>
internal sealed class ClusterStore : IClusterStore, IClusterNodeStore
{
    private const int BatchSize = 200;

    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly RedisPrimaryLink _link;

    public ClusterStore(IOptions<ClusterOptions> options, ClusterIdentity identity, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _time = time;
        Keys = new ClusterKeys(_options.KeyPrefix);
        NodeId = identity.NodeId;
        _link = new RedisPrimaryLink(_options.Redis!, NodeId, Keys.Control(NodeId), time, loggerFactory.CreateLogger<RedisPrimaryLink>());
    }

    public ClusterKeys Keys { get; }

    public string NodeId { get; }

    /// <summary>True while Redis answers; false from the first failure until the next success.</summary>
    public bool IsUp => _link.IsUp;

    /// <inheritdoc />
    public event Action<ClusterKick>? KickReceived
    {
        add => _link.KickReceived += value;
        remove => _link.KickReceived -= value;
    }

    /// <inheritdoc />
    public event Action? Restored
    {
        add => _link.Restored += value;
        remove => _link.Restored -= value;
    }

    /// <inheritdoc />
    public event Action? Reconnected
    {
        add => _link.Reconnected += value;
        remove => _link.Reconnected -= value;
    }

    /// <summary>Whether the control channel subscription is live now.</summary>
    public bool ControlSubscribed => _link.ControlSubscribed;

    public string Describe() => _link.Describe();

    public Task ConnectAsync() => _link.ConnectAsync();

    /// <summary>Redis failed or timed out: warn once per change, not per call.</summary>
    public void MarkDown(string problem) => _link.MarkDown(problem);

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

    private Task<T> Run<T>(Func<IDatabase, Task<T>> command) => _link.RunAsync(command);

    public ValueTask DisposeAsync() => _link.DisposeAsync();
}
