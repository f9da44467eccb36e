namespace Xiaozhi.Im.Service.Devices;

/// <summary>The parsed handshake, or the reason it is unusable (HTTP 400).</summary>
/// <param name="Identity">The identity when parsing succeeded.</param>
/// <param name="Error">A short plain-text reason otherwise.</param>
internal sealed record DeviceHandshakeResult(DeviceIdentity? Identity, string? Error)
{
    /// <summary>A usable handshake.</summary>
    public static DeviceHandshakeResult Ok(DeviceIdentity identity) => new(identity, null);

    /// <summary>An unusable handshake.</summary>
    public static DeviceHandshakeResult Invalid(string error) => new(null, error);
}
