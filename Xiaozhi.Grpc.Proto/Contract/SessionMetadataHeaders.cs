namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// gRPC request header (metadata) names the IM sends when it opens a <c>ChatStream</c>, so an AI service
/// can learn who the stream belongs to before the first message. The Go AI service ignores them.
/// gRPC metadata keys are lower-case ASCII.
/// </summary>
public static class SessionMetadataHeaders
{
    /// <summary>The device's MAC address (<c>Device-Id</c> WebSocket header).</summary>
    public const string DeviceId = "device-id";

    /// <summary>The per-install UUID (<c>Client-Id</c> WebSocket header).</summary>
    public const string ClientId = "client-id";

    /// <summary>The session id: the device's <c>Session-Id</c> or one the IM created.</summary>
    public const string SessionId = "session-id";

    /// <summary>The device's binary frame layout, <c>1</c>, <c>2</c> or <c>3</c>.</summary>
    public const string ProtocolVersion = "protocol-version";

    /// <summary>The <c>user_id</c> claim of the device's token (decimal), absent for unauthenticated devices.</summary>
    public const string UserId = "user-id";

    /// <summary>The device's <c>Transport-Type</c> (informational).</summary>
    public const string TransportType = "transport-type";

    /// <summary>
    /// W3C trace context of the IM's session span (<c>00-traceid-spanid-flags</c>), so an AI service can join the
    /// trace. Optional; not part of <see cref="All"/>.
    /// </summary>
    public const string TraceParent = "traceparent";

    /// <summary>All of the above but <see cref="TraceParent"/>, in a stable order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [DeviceId, ClientId, SessionId, ProtocolVersion, UserId, TransportType];
}
