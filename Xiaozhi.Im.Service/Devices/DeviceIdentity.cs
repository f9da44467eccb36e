using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Devices;

/// <summary>What a device says about itself in the handshake (headers, overridden by non-empty query values).</summary>
/// <param name="DeviceId">The <c>Device-Id</c> (MAC address); null when missing.</param>
/// <param name="ClientId">The <c>Client-Id</c>; empty when missing.</param>
/// <param name="SessionId">The <c>Session-Id</c> when the device chose one.</param>
/// <param name="TransportType">The informational <c>Transport-Type</c>.</param>
/// <param name="ProtocolVersion">The binary frame layout, version 1 when not given.</param>
/// <param name="Token">The bare JWT (without <c>Bearer </c>); null when none was sent. Never log it.</param>
internal sealed record DeviceIdentity(
    string? DeviceId,
    string ClientId,
    string? SessionId,
    string? TransportType,
    BinaryProtocolVersion ProtocolVersion,
    string? Token)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"DeviceIdentity {{ DeviceId = {DeviceId}, ClientId = {ClientId}, SessionId = {SessionId}, TransportType = {TransportType}, ProtocolVersion = {ProtocolVersion}, Token = {(Token is null ? "none" : "***")} }}";
}
