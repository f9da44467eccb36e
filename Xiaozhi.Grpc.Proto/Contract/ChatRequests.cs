using Google.Protobuf;

namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// Builds <see cref="ChatRequest"/>s the way the contract wants them: all three ids on every request,
/// <c>message_type</c> 1 or 2, <c>timestamp</c> in Unix milliseconds.
/// </summary>
public static class ChatRequests
{
    /// <summary>A text frame from the device, its bytes exactly as received.</summary>
    public static ChatRequest Text(ChatSessionIdentity identity, ReadOnlySpan<byte> utf8Json, long unixTimeMilliseconds) =>
        Create(identity, ChatFrameKind.Text, ByteString.CopyFrom(utf8Json), unixTimeMilliseconds);

    /// <summary>A text frame from a string (tests, tools).</summary>
    public static ChatRequest Text(ChatSessionIdentity identity, string text, long unixTimeMilliseconds) =>
        Create(identity, ChatFrameKind.Text, ByteString.CopyFromUtf8(text), unixTimeMilliseconds);

    /// <summary>A binary frame: raw audio (already unwrapped from protocol version 2/3).</summary>
    public static ChatRequest Binary(ChatSessionIdentity identity, ReadOnlySpan<byte> audio, long unixTimeMilliseconds) =>
        Create(identity, ChatFrameKind.Binary, ByteString.CopyFrom(audio), unixTimeMilliseconds);

    /// <summary>The general form. Only <see cref="ChatFrameKind.Text"/> and <see cref="ChatFrameKind.Binary"/> are valid uplink.</summary>
    /// <exception cref="ArgumentOutOfRangeException">For any other kind.</exception>
    public static ChatRequest Create(ChatSessionIdentity identity, ChatFrameKind kind, ByteString data, long unixTimeMilliseconds)
    {
        if (kind is not (ChatFrameKind.Text or ChatFrameKind.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "A ChatRequest carries a text (1) or binary (2) frame.");
        }

        return new ChatRequest
        {
            SessionId = identity.SessionId ?? string.Empty,
            DeviceId = identity.DeviceId ?? string.Empty,
            ClientId = identity.ClientId ?? string.Empty,
            MessageType = (int)kind,
            MessageData = data,
            Timestamp = unixTimeMilliseconds,
        };
    }
}
