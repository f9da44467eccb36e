namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>The OTA stand-in, bound from the <c>Ota</c> configuration section.</summary>
internal sealed class OtaOptions
{
    public const string SectionName = "Ota";

    /// <summary>The HTTP/1.1 endpoint(s) of the OTA stand-in (and the fault control API), <c>;</c>-separated.</summary>
    public string Urls { get; set; } = "http://localhost:8003";

    /// <summary>
    /// Whether <see cref="Urls"/> may listen beyond loopback. Default false: the OTA issues a valid token for any
    /// <c>Device-Id</c> and the fault API controls the stub, so reaching them from the network is an explicit choice
    /// (a LAN board's OTA) and logs a warning.
    /// </summary>
    public bool AllowNonLoopback { get; set; }

    /// <summary>The WebSocket URL handed to devices (the IM service).</summary>
    public string WebSocketUrl { get; set; } = "ws://localhost:8000/xiaozhi/v1/";

    /// <summary>The <c>user_id</c> claim of issued tokens.</summary>
    public long UserId { get; set; } = 1;

    /// <summary>Lifetime of issued tokens.</summary>
    public int TokenLifetimeDays { get; set; } = 7;

    /// <summary>
    /// Origins whose browser pages may call the OTA (CORS), <c>;</c>-separated, e.g. <c>http://localhost:8006</c>; <c>*</c>
    /// (the default, as the Python server's OTA) allows any: the stub is a development stand-in.
    /// </summary>
    public string CorsOrigins { get; set; } = "*";

    /// <summary>The firmware version answered when the request body has no <c>application.version</c>.</summary>
    public string DefaultFirmwareVersion { get; set; } = "1.0.0";
}
