using System.Text.Json;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// The firmware waits for a server <c>hello</c> whose <c>transport</c> is <c>"websocket"</c>. A hello that already says
/// so passes byte-exact; otherwise only the <c>transport</c> value is replaced (or added when missing), every other
/// byte stays as the AI service sent it.
/// </summary>
internal static class ServerHelloTransportFix
{
    private static ReadOnlySpan<byte> TransportProperty => "transport"u8;

    private static ReadOnlySpan<byte> WebSocketValue => "\"websocket\""u8;

    /// <summary>
    /// Returns null when <paramref name="utf8Hello"/> needs no change (or is not a JSON object), else the corrected bytes.
    /// Call only for frames whose type is <c>hello</c>.
    /// </summary>
    public static byte[]? Apply(ReadOnlySpan<byte> utf8Hello)
    {
        int start;
        int end;
        try
        {
            var reader = new Utf8JsonReader(utf8Hello, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var objectStart = (int)reader.TokenStartIndex;
            while (true)
            {
                if (!reader.Read())
                {
                    return null;
                }

                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    // No transport at all: add it as the first property.
                    var insertAt = objectStart + 1;
                    var hasProperties = utf8Hello[insertAt..].TrimStart(" \t\r\n"u8).IndexOfAnyExcept((byte)'}') == 0;
                    ReadOnlySpan<byte> insert = hasProperties ? "\"transport\":\"websocket\","u8 : "\"transport\":\"websocket\""u8;
                    var added = new byte[utf8Hello.Length + insert.Length];
                    utf8Hello[..insertAt].CopyTo(added);
                    insert.CopyTo(added.AsSpan(insertAt));
                    utf8Hello[insertAt..].CopyTo(added.AsSpan(insertAt + insert.Length));
                    return added;
                }

                var isTransport = reader.ValueTextEquals(TransportProperty);
                if (!reader.Read())
                {
                    return null;
                }

                if (isTransport)
                {
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("websocket"u8))
                    {
                        return null;
                    }

                    start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    end = (int)reader.BytesConsumed;
                    break;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }

        var result = new byte[utf8Hello.Length - (end - start) + WebSocketValue.Length];
        utf8Hello[..start].CopyTo(result);
        WebSocketValue.CopyTo(result.AsSpan(start));
        utf8Hello[end..].CopyTo(result.AsSpan(start + WebSocketValue.Length));
        return result;
    }
}
