using System.Collections.Concurrent;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>The live sessions of this node, at most one per <c>Device-Id</c> (the single-node registry).</summary>
internal sealed class SessionRegistry : ISessionRegistry
{
    private readonly ConcurrentDictionary<string, IDeviceSession> _byDevice = new(StringComparer.Ordinal);

    // Under Reject, the claim of a device's connection from its claim to its registration: a second connection of the
    // device in that window (stream opening, upgrade) is refused with a status code instead of losing at registration
    // with its WebSocket already accepted.
    private readonly ConcurrentDictionary<string, DeviceClaim> _connecting = new(StringComparer.Ordinal);

    /// <summary>The number of live sessions.</summary>
    public int Count => _byDevice.Count;

    /// <summary>True when a session of <paramref name="deviceId"/> is live.</summary>
    public bool IsConnected(string deviceId) => _byDevice.ContainsKey(deviceId);

    /// <summary>The live session of <paramref name="deviceId"/>, if any.</summary>
    public IDeviceSession? Find(string deviceId) => _byDevice.TryGetValue(deviceId, out var session) ? session : null;

    /// <inheritdoc />
    public ValueTask<DeviceClaim> ClaimAsync(string deviceId, string sessionId, string clientId, DuplicateDevicePolicy policy, CancellationToken cancellationToken) =>
        ValueTask.FromResult(policy == DuplicateDevicePolicy.Reject ? ClaimExclusively(deviceId) : DeviceClaim.Granted);

    /// <inheritdoc />
    public SessionRegistration Register(IDeviceSession session, DuplicateDevicePolicy policy, DeviceClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            return Register(session, policy);
        }
        finally
        {
            // Only now: with the session in place, a connection that claims next finds the device live.
            claim.Dispose();
        }
    }

    /// <summary>
    /// Makes <paramref name="session"/> the device's live session. With <see cref="DuplicateDevicePolicy.Replace"/> an
    /// existing session is swapped out and returned (the caller closes it); with <see cref="DuplicateDevicePolicy.Reject"/>
    /// the registration fails while another session is live.
    /// </summary>
    public SessionRegistration Register(IDeviceSession session, DuplicateDevicePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(session);
        while (true)
        {
            if (_byDevice.TryAdd(session.DeviceId, session))
            {
                return new SessionRegistration(true, null);
            }

            if (!_byDevice.TryGetValue(session.DeviceId, out var existing))
            {
                continue;
            }

            if (ReferenceEquals(existing, session))
            {
                return new SessionRegistration(true, null);
            }

            if (policy == DuplicateDevicePolicy.Reject)
            {
                return new SessionRegistration(false, null);
            }

            if (_byDevice.TryUpdate(session.DeviceId, session, existing))
            {
                return new SessionRegistration(true, existing);
            }
        }
    }

    /// <summary>Removes <paramref name="session"/> if it is still the device's live session (a replaced one is not).</summary>
    public bool Unregister(IDeviceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return ((ICollection<KeyValuePair<string, IDeviceSession>>)_byDevice).Remove(new KeyValuePair<string, IDeviceSession>(session.DeviceId, session));
    }

    /// <summary>Gives up <paramref name="claim"/>'s hold on <paramref name="deviceId"/>, if it still has it.</summary>
    internal void Release(string deviceId, DeviceClaim claim) =>
        ((ICollection<KeyValuePair<string, DeviceClaim>>)_connecting).Remove(new KeyValuePair<string, DeviceClaim>(deviceId, claim));

    private DeviceClaim ClaimExclusively(string deviceId)
    {
        var claim = new ExclusiveDeviceClaim(this, deviceId);
        if (!_connecting.TryAdd(deviceId, claim))
        {
            return DeviceClaim.RefusedWhileConnecting;
        }

        // Checked with the claim held: a connection that registered just before it is seen here.
        if (IsConnected(deviceId))
        {
            claim.Dispose();
            return DeviceClaim.Refused;
        }

        return claim;
    }

    /// <summary>A snapshot of the live sessions.</summary>
    public IReadOnlyList<IDeviceSession> Snapshot() => _byDevice.Values.ToArray();
}
