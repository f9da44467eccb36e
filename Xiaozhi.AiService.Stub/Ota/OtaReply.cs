using System.Text.Json.Serialization;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>The OTA answer a stock client reads: where the IM is and its token, the server time, the firmware.</summary>
internal sealed record OtaReply(
    [property: JsonPropertyName("websocket")] OtaReply.WebSocketSection WebSocket,
    [property: JsonPropertyName("server_time")] OtaReply.ServerTimeSection ServerTime,
    [property: JsonPropertyName("firmware")] OtaReply.FirmwareSection Firmware)
{
    /// <summary><c>websocket</c>: the IM's URL and the device's token.</summary>
    internal sealed record WebSocketSection(
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("token")] string Token);

    /// <summary><c>server_time</c>: Unix milliseconds and the offset in minutes.</summary>
    internal sealed record ServerTimeSection(
        [property: JsonPropertyName("timestamp")] long Timestamp,
        [property: JsonPropertyName("timezone_offset")] int TimezoneOffset);

    /// <summary><c>firmware</c>: the version to report and no download.</summary>
    internal sealed record FirmwareSection(
        [property: JsonPropertyName("version")] string Version,
        [property: JsonPropertyName("url")] string Url);
}
