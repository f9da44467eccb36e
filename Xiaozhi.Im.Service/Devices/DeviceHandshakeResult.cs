namespace Xiaozhi.Im.Service.Devices;

/// <summary>The parsed handshake, or the reason it is unusable (HTTP 400).</summary>
/// <param name="Identity">The identity when parsing succeeded.</param>
/// <param name="Error">A short plain-text reason otherwise.</param>
/// <param name="Problem">Which kind of reason <paramref name="Error"/> is.</param>
internal sealed record DeviceHandshakeResult(DeviceIdentity? Identity, string? Error, HandshakeProblem Problem = default)
{
    /// <summary>A usable handshake.</summary>
    public static DeviceHandshakeResult Ok(DeviceIdentity identity) => new(identity, null);

    /// <summary>An unusable handshake.</summary>
    public static DeviceHandshakeResult Invalid(HandshakeProblem problem, string error) => new(null, error, problem);
}
