namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// What one <see cref="ChatRequest"/> (<c>message_type</c>) or <see cref="ChatResponse"/> (<c>response_type</c>)
/// carries. Each value maps to one WebSocket frame on the device side.
/// </summary>
public enum ChatFrameKind
{
    /// <summary>Not set (proto3 default). Never valid on the wire.</summary>
    Unspecified = 0,

    /// <summary>A WebSocket text frame: device JSON (byte-exact) or JSON for the device.</summary>
    Text = 1,

    /// <summary>A WebSocket binary frame: raw audio (protocol version 1 layout, no header).</summary>
    Binary = 2,

    /// <summary>AI → IM only: an error from the AI service, payload <c>{"error_code","error_message"}</c>.</summary>
    Error = 999,
}
