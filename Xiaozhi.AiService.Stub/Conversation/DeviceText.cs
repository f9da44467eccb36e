using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>A device text frame, parsed once: a JSON object (with its <c>type</c>, if a string) or anything else.</summary>
internal sealed class DeviceText : IDisposable
{
    private DeviceText(JsonDocument? document, string? type)
    {
        Document = document;
        Type = type;
    }

    /// <summary>The JSON object; null for non-JSON text and JSON that is not an object (both are echoed).</summary>
    public JsonDocument? Document { get; }

    /// <summary>The string <c>type</c> of the object, or null.</summary>
    public string? Type { get; }

    public bool IsJsonObject => Document is not null;

    public static DeviceText Parse(ReadOnlyMemory<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException)
        {
            return new DeviceText(null, null);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return new DeviceText(null, null);
        }

        var type = document.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return new DeviceText(document, type);
    }

    public void Dispose() => Document?.Dispose();
}
