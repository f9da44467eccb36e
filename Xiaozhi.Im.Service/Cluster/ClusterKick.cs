using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// A message on a node's control channel: close the session <see cref="SessionId"/> of <see cref="DeviceId"/> if (and
/// only if) it is still the one claimed with <see cref="Claim"/>. The only place its format is written and read.
/// </summary>
internal sealed record ClusterKick(string DeviceId, string SessionId, string Claim)
{
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("device_id", DeviceId);
            json.WriteString("session_id", SessionId);
            json.WriteString("claim", Claim);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static ClusterKick? TryParse(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(message);
            var root = json.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("device_id", out var device) && device.ValueKind == JsonValueKind.String
                && root.TryGetProperty("session_id", out var session) && session.ValueKind == JsonValueKind.String
                && root.TryGetProperty("claim", out var claim) && claim.ValueKind == JsonValueKind.String
                ? new ClusterKick(device.GetString()!, session.GetString()!, claim.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
