using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>Reading the device's JSON messages leniently: a field of the wrong kind counts as absent.</summary>
internal static class JsonFields
{
    /// <summary>The string value of <paramref name="property"/>, or null when it is missing or not a string.</summary>
    public static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
