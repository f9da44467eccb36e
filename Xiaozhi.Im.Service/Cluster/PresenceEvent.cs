using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>One event on <c>{prefix}presence</c>: a session started (<c>online</c>) or ended (<c>offline</c>).</summary>
internal sealed record PresenceEvent(bool Online, string DeviceId, string ClientId, string SessionId, string NodeId, long AtUnixMs)
{
    /// <summary>The JSON other services consume, fields in a fixed order.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", Online ? "online" : "offline");
            json.WriteString("device_id", DeviceId);
            json.WriteString("client_id", ClientId);
            json.WriteString("session_id", SessionId);
            json.WriteString("node_id", NodeId);
            json.WriteNumber("at", AtUnixMs);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
