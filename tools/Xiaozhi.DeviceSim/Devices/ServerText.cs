using System.Text.Json;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>The <c>type</c> and <c>state</c> of a server text message, read without building a document.</summary>
internal static class ServerText
{
    /// <summary>False for non-JSON text (an application ping echoed back).</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8, out string? type, out string? state)
    {
        type = null;
        state = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isType = reader.ValueTextEquals("type"u8);
                    var isState = reader.ValueTextEquals("state"u8);
                    reader.Read();
                    if (isType && reader.TokenType == JsonTokenType.String)
                    {
                        type = reader.GetString();
                    }
                    else if (isState && reader.TokenType == JsonTokenType.String)
                    {
                        state = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
