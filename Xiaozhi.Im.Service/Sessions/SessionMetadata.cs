using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Who a session belongs to, fixed for its lifetime.</summary>
/// <param name="SessionId">The device's <c>Session-Id</c> or one the IM created.</param>
/// <param name="DeviceId">The <c>Device-Id</c>.</param>
/// <param name="ClientId">The <c>Client-Id</c> (may be empty).</param>
/// <param name="UserId">The token's <c>user_id</c>; null when auth is disabled.</param>
/// <param name="ProtocolVersion">The binary frame layout.</param>
/// <param name="TransportType">The informational <c>Transport-Type</c>.</param>
/// <param name="RemoteAddress">The device's address and port as seen by the IM.</param>
internal sealed record SessionMetadata(
    string SessionId,
    string DeviceId,
    string ClientId,
    string? UserId,
    BinaryProtocolVersion ProtocolVersion,
    string? TransportType,
    string RemoteAddress)
{
    /// <summary>The three ids that go on every ChatRequest.</summary>
    public ChatSessionIdentity ChatIdentity => new(SessionId, DeviceId, ClientId);

    /// <summary>A new session id (32 hex digits).</summary>
    public static string NewSessionId() => Guid.NewGuid().ToString("N");
}
