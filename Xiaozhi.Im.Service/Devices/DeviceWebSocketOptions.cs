namespace Xiaozhi.Im.Service.Devices;

/// <summary>The device WebSocket (section <c>WebSocket</c>).</summary>
internal sealed class DeviceWebSocketOptions
{
    public const string SectionName = "WebSocket";

    /// <summary>The default allow-list.</summary>
    public static IReadOnlyList<string> DefaultPaths { get; } = ["/", "/ws", "/xiaozhi/v1/"];

    /// <summary>
    /// Paths a device may upgrade on (trailing slash ignored; <c>*</c> = any). Empty means the defaults
    /// <c>/</c>, <c>/ws</c>, <c>/xiaozhi/v1/</c>. Setting <c>WebSocket:Paths:0..n</c> replaces the defaults.
    /// </summary>
    public List<string> Paths { get; set; } = [];

    /// <summary>Largest device text message (JSON; base64 images reach ~14 MiB). Default 16 MiB.</summary>
    public int MaxTextFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Largest device binary message. Default 256 KiB: a 60 ms Opus packet is well under 2 KiB and 60 ms of 16 kHz PCM
    /// is 1,920 bytes, so this leaves ample room for larger frames and headers.
    /// </summary>
    public int MaxBinaryFrameBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Largest device text message that is not a <c>chat</c>, <c>image</c> or <c>vision</c> request (a <c>hello</c>,
    /// <c>listen</c>, <c>mcp</c> …): real ones are a few KB, MCP tool lists tens of KB, and a <c>hello</c> or
    /// <c>listen start</c> is kept for the session's life to be replayed. Larger → 1009. Default 64 KiB.
    /// </summary>
    public int MaxControlFrameBytes { get; set; } = 64 * 1024;

    /// <summary>WebSocket ping interval (the runtime sends pings, the firmware answers). Default 30 s; 0 disables.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Accept identity and token from the query string (<c>device-id</c>, <c>token</c>, <c>authorization</c>, …), for
    /// browsers that cannot set headers. Default true; the Go service's <c>transport.websocket.browser</c> maps here.
    /// </summary>
    public bool AllowQueryIdentity { get; set; } = true;

    /// <summary>The effective allow-list.</summary>
    public IReadOnlyList<string> EffectivePaths => Paths.Count == 0 ? DefaultPaths : Paths;
}
