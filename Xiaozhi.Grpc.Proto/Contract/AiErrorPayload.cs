using System.Buffers;
using System.Text.Json;
using Google.Protobuf;

namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// The payload of a <c>response_type</c> 999 <see cref="ChatResponse"/>:
/// <c>{"error_code": "...", "error_message": "..."}</c>.
/// </summary>
/// <param name="ErrorCode">A short machine-readable code, e.g. <c>invalid_image</c>.</param>
/// <param name="ErrorMessage">A human-readable reason.</param>
public sealed record AiErrorPayload(string ErrorCode, string ErrorMessage)
{
    /// <summary>The JSON property name of the code.</summary>
    public const string ErrorCodeProperty = "error_code";

    /// <summary>The JSON property name of the message.</summary>
    public const string ErrorMessageProperty = "error_message";

    /// <summary>Serialises to UTF-8 JSON, code first.</summary>
    public byte[] ToUtf8Json()
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (ErrorCode?.Length ?? 0) + (ErrorMessage?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(ErrorCodeProperty, ErrorCode ?? string.Empty);
            writer.WriteString(ErrorMessageProperty, ErrorMessage ?? string.Empty);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serialises to a <see cref="ByteString"/> for <c>response_data</c>.</summary>
    public ByteString ToByteString() => UnsafeByteOperations.UnsafeWrap(ToUtf8Json());

    /// <summary>
    /// Reads a 999 payload. Lenient the way a gateway must be: missing fields become empty strings,
    /// non-string values are rendered as their JSON text, unknown fields are ignored. Fails only when the
    /// bytes are not a JSON object.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out AiErrorPayload? payload)
    {
        payload = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            payload = new AiErrorPayload(
                ReadText(document.RootElement, ErrorCodeProperty),
                ReadText(document.RootElement, ErrorMessageProperty));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string ReadText(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return string.Empty;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? string.Empty,
            JsonValueKind.Null => string.Empty,
            _ => value.GetRawText(),
        };
    }
}
