using System.Text.Json;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// Reads only the top-level <c>type</c> of a JSON text frame, without building a document and without
/// re-serialising anything: the frame itself is always forwarded byte-exact. Stops as soon as <c>type</c> is found;
/// other values are skipped, so a 14 MiB image frame costs one forward scan at most.
/// </summary>
internal static class JsonMessageTypeSniffer
{
    private static ReadOnlySpan<byte> TypeProperty => "type"u8;

    /// <summary>Sniffs <paramref name="utf8"/>.</summary>
    public static JsonMessageType Sniff(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new JsonMessageType(JsonMessageShape.NotJson, null);
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return new JsonMessageType(JsonMessageShape.NoType, null);
                }

                // At depth 1 every token here is a property name.
                var isType = reader.ValueTextEquals(TypeProperty);
                if (!reader.Read())
                {
                    break;
                }

                if (isType)
                {
                    return reader.TokenType == JsonTokenType.String
                        ? new JsonMessageType(JsonMessageShape.Typed, reader.GetString())
                        : new JsonMessageType(JsonMessageShape.TypeNotString, null);
                }

                reader.Skip();
            }

            return new JsonMessageType(JsonMessageShape.NotJson, null);
        }
        catch (JsonException)
        {
            return new JsonMessageType(JsonMessageShape.NotJson, null);
        }
        catch (InvalidOperationException)
        {
            return new JsonMessageType(JsonMessageShape.NotJson, null);
        }
    }
}
