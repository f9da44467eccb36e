using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What this node claimed for one connection: the values it wrote to the device key.</summary>
internal sealed class OwnedSession(string deviceId, string sessionId, string clientId, string claim, long startedTimestamp)
{
    public string DeviceId { get; } = deviceId;

    public string SessionId { get; } = sessionId;

    public string ClientId { get; } = clientId;

    /// <summary>Unique per connection (a device may reuse its Session-Id): kicks and releases compare it.</summary>
    public string Claim { get; } = claim;

    /// <summary>
    /// When the connection began on this node's monotonic clock: a claim Redis did not stamp (it was down) is dated by
    /// its age, so the nodes' wall clocks are never compared.
    /// </summary>
    public long StartedTimestamp { get; } = startedTimestamp;

    /// <summary>The connection's time on Redis' clock, once a script stamped it; 0 before.</summary>
    public long ConnectedAtUnixMs { get; set; }

    /// <summary>The live session, once registered.</summary>
    public IDeviceSession? Session { get; set; }

    /// <summary>True once the claim was sent to Redis or the session admitted without it: from then on it is released.</summary>
    public bool Asserted { get; set; }

    /// <summary>False while Redis has not confirmed the claim (it was down or slow at the upgrade).</summary>
    public bool Confirmed { get; set; }
}
