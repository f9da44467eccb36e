using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Xiaozhi.Testing.Devices;

/// <summary>One whole WebSocket message a device received.</summary>
public sealed record DeviceFrame(WebSocketMessageType Kind, byte[] Data)
{
    public bool IsText => Kind == WebSocketMessageType.Text;

    public bool IsBinary => Kind == WebSocketMessageType.Binary;

    public string Text => Encoding.UTF8.GetString(Data);

    /// <summary>The JSON <c>type</c> of a text frame, or null.</summary>
    public string? JsonType
    {
        get
        {
            if (!IsText)
            {
                return null;
            }

            try
            {
                using var doc = JsonDocument.Parse(Data);
                return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                    ? t.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>A string property of a JSON text frame, or null.</summary>
    public string? Get(string property)
    {
        using var doc = JsonDocument.Parse(Data);
        return doc.RootElement.TryGetProperty(property, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;
    }

    /// <summary>The JSON root as a cloned element.</summary>
    public JsonElement Json()
    {
        using var doc = JsonDocument.Parse(Data);
        return doc.RootElement.Clone();
    }

    public override string ToString() => IsText ? $"text {Text}" : $"binary[{Data.Length}]";
}
