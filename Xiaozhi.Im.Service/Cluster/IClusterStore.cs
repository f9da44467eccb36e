namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// What <see cref="ClusterSessionRegistry"/> needs of Redis: each call is one atomic step (a Lua script or a single
/// command). A Redis failure or timeout throws <see cref="StackExchange.Redis.RedisException"/> or
/// <see cref="TimeoutException"/> and marks the store down; the next answer marks it up.
/// </summary>
internal interface IClusterStore
{
    string NodeId { get; }

    /// <summary>True while Redis answers; false from the first failure until the next success.</summary>
    bool IsUp { get; }

    /// <summary>Raised for every kick on this node's control channel.</summary>
    event Action<ClusterKick>? KickReceived;

    void MarkDown(string problem);

    /// <summary>Who owns the device now, and whether its node listens on its control channel (the Reject check).</summary>
    Task<(DeviceOwner? Owner, bool Listening)> OwnerAsync(string deviceId);

    /// <summary>Writes the device key (see <see cref="ClusterScripts.Claim"/>); null expected claim: any owner.</summary>
    Task<ClaimResult> ClaimAsync(OwnedSession owned, string? expectedClaim, string onlineEvent);

    /// <summary>Publishes the kick for <paramref name="owner"/>; how many received it (0: its node is gone).</summary>
    Task<long> KickAsync(string deviceId, DeviceOwner owner);

    /// <summary>Compare-and-delete of the device key, and the offline event; true when the key was deleted.</summary>
    Task<bool> ReleaseAsync(OwnedSession owned, string offlineEvent);

    /// <summary>Re-asserts the claims (see <see cref="ClusterScripts.Refresh"/>); one result per claim, in order.</summary>
    Task<RefreshResult[]> RefreshAsync(IReadOnlyList<OwnedSession> owned);

    /// <summary>Deletes the keys this node owned before it (re)started, except <paramref name="liveClaims"/>.</summary>
    Task<IReadOnlyList<(string DeviceId, string SessionId, string ClientId)>> CleanupAsync(IEnumerable<string> liveClaims);

    Task PublishPresenceAsync(string presenceEvent);
}
