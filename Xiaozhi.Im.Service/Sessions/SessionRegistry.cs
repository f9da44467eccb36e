using System.Collections.Concurrent;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>The live sessions of this node, at most one per <c>Device-Id</c> (the single-node registry).</summary>
internal sealed class SessionRegistry : ISessionRegistry
{
    private readonly ConcurrentDictionary<string, IDeviceSession> _byDevice = new(StringComparer.Ordinal);

    /// <summary>The number of live sessions.</summary>
    public int Count => _byDevice.Count;

    /// <summary>True when a session of <paramref name="deviceId"/> is live.</summary>
    public bool IsConnected(string deviceId) => _byDevice.ContainsKey(deviceId);

    /// <summary>The live session of <paramref name="deviceId"/>, if any.</summary>
    public IDeviceSession? Find(string deviceId) => _byDevice.TryGetValue(deviceId, out var session) ? session : null;

    /// <inheritdoc />
    public ValueTask<DeviceClaim> ClaimAsync(string deviceId, string sessionId, string clientId, DuplicateDevicePolicy policy, CancellationToken cancellationToken) =>
        ValueTask.FromResult(policy == DuplicateDevicePolicy.Reject && IsConnected(deviceId) ? DeviceClaim.Refused : DeviceClaim.Granted);

    /// <inheritdoc />
    public SessionRegistration Register(IDeviceSession session, DuplicateDevicePolicy policy, DeviceClaim claim) => Register(session, policy);

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

    /// <summary>A snapshot of the live sessions.</summary>
    public IReadOnlyList<IDeviceSession> Snapshot() => _byDevice.Values.ToArray();
}
