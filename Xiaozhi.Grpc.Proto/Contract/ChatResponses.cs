using Google.Protobuf;

namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// Builds <see cref="ChatResponse"/>s: <c>response_type</c> 1 text, 2 binary, 999 error;
/// <c>timestamp</c> in Unix milliseconds (what the Go AI service sends).
/// </summary>
public static class ChatResponses
{
    /// <summary>A text frame for the device (UTF-8 JSON, or the echo of a non-JSON text).</summary>
    public static ChatResponse Text(ReadOnlySpan<byte> utf8, long unixTimeMilliseconds, string sessionId = "") =>
        Create(ChatFrameKind.Text, ByteString.CopyFrom(utf8), unixTimeMilliseconds, sessionId);

    /// <summary>A text frame from a string.</summary>
    public static ChatResponse Text(string text, long unixTimeMilliseconds, string sessionId = "") =>
        Create(ChatFrameKind.Text, ByteString.CopyFromUtf8(text), unixTimeMilliseconds, sessionId);

    /// <summary>A binary (audio) frame for the device, raw (protocol version 1 layout).</summary>
    public static ChatResponse Binary(ReadOnlySpan<byte> audio, long unixTimeMilliseconds, string sessionId = "") =>
        Create(ChatFrameKind.Binary, ByteString.CopyFrom(audio), unixTimeMilliseconds, sessionId);

    /// <summary>An error (999) with the JSON payload <c>{"error_code","error_message"}</c>.</summary>
    public static ChatResponse Error(AiErrorPayload error, long unixTimeMilliseconds, string sessionId = "")
    {
        ArgumentNullException.ThrowIfNull(error);
        return Create(ChatFrameKind.Error, error.ToByteString(), unixTimeMilliseconds, sessionId);
    }

    /// <summary>An error (999) from a code and a message.</summary>
    public static ChatResponse Error(string errorCode, string errorMessage, long unixTimeMilliseconds, string sessionId = "") =>
        Error(new AiErrorPayload(errorCode, errorMessage), unixTimeMilliseconds, sessionId);

    /// <summary>The general form.</summary>
    public static ChatResponse Create(ChatFrameKind kind, ByteString data, long unixTimeMilliseconds, string sessionId = "") =>
        new()
        {
            SessionId = sessionId ?? string.Empty,
            ResponseType = (int)kind,
            ResponseData = data,
            Timestamp = unixTimeMilliseconds,
        };
}
