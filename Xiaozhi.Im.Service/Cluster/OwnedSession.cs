using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What this node claimed for one connection: the values it wrote to the device key.</summary>
internal sealed class OwnedSession(string deviceId, string sessionId, string clientId, string claim, long connectedAtUnixMs)
{
    public string DeviceId { get; } = deviceId;

    public string SessionId { get; } = sessionId;

    public string ClientId { get; } = clientId;

    /// <summary>Unique per connection (a device may reuse its Session-Id): kicks and releases compare it.</summary>
    public string Claim { get; } = claim;

    public long ConnectedAtUnixMs { get; } = connectedAtUnixMs;

    /// <summary>The live session, once registered.</summary>
    public IDeviceSession? Session { get; set; }

    /// <summary>False while Redis has not confirmed the claim (it was down or slow at the upgrade).</summary>
    public bool Confirmed { get; set; }
}
