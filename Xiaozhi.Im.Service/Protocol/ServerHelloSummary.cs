using System.Text.Json;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>What a resumed stream's server hello is compared on: its <c>session_id</c> and <c>audio_params</c> (raw JSON).</summary>
/// <param name="SessionId">The <c>session_id</c>, if a string.</param>
/// <param name="AudioParams">The raw JSON of <c>audio_params</c>, if present.</param>
internal sealed record ServerHelloSummary(string? SessionId, string? AudioParams)
{
    /// <summary>Reads the two fields; null when the frame is not a JSON object.</summary>
    public static ServerHelloSummary? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var sessionId = root.TryGetProperty("session_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            var audio = root.TryGetProperty("audio_params", out var audioParams) ? audioParams.GetRawText() : null;
            return new ServerHelloSummary(sessionId, audio);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
