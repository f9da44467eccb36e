namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The live sessions, at most one per <c>Device-Id</c>: on this node (<see cref="SessionRegistry"/>) or across the
/// cluster (the Redis registry wraps the local one).
/// </summary>
internal interface ISessionRegistry
{
    /// <summary>The number of live sessions on this node.</summary>
    int Count { get; }

    /// <summary>True when a session of <paramref name="deviceId"/> is live on this node.</summary>
    bool IsConnected(string deviceId);

    /// <summary>The live session of <paramref name="deviceId"/> on this node, if any.</summary>
    IDeviceSession? Find(string deviceId);

    /// <summary>
    /// Before the upgrade: may this connection become the device's session? Not accepted means 409 (policy Reject and
    /// the device is live, or another connection of it claimed it first). An accepted claim is passed to <see cref="Register"/>; disposing a claim that was never
    /// registered gives it up.
    /// </summary>
    ValueTask<DeviceClaim> ClaimAsync(string deviceId, string sessionId, string clientId, DuplicateDevicePolicy policy, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="session"/> the device's live session (see <see cref="SessionRegistry.Register(IDeviceSession, DuplicateDevicePolicy)"/>).</summary>
    SessionRegistration Register(IDeviceSession session, DuplicateDevicePolicy policy, DeviceClaim claim);

    /// <summary>Removes <paramref name="session"/> if it is still the device's live session (a replaced one is not).</summary>
    bool Unregister(IDeviceSession session);

    /// <summary>A snapshot of the live sessions on this node.</summary>
    IReadOnlyList<IDeviceSession> Snapshot();
}
