using System.Text.Json;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// Reads the top-level string <c>state</c> of a small JSON control frame (<c>listen</c>, <c>tts</c>) without building a
/// document; the frame itself is forwarded unchanged. Null when absent, not a string, or not JSON.
/// </summary>
internal static class JsonStateSniffer
{
    /// <summary>Sniffs <paramref name="utf8"/>.</summary>
    public static string? SniffState(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isState = reader.ValueTextEquals("state"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isState)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
