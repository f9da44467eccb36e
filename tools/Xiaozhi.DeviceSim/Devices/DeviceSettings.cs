namespace Xiaozhi.DeviceSim.Devices;

/// <summary>How simulated devices connect and what they send (shared by a fleet).</summary>
public sealed record DeviceSettings
{
    /// <summary>The gateway (or echo server) URL, <c>ws://127.0.0.1:8000/xiaozhi/v1/</c>. Loopback only.</summary>
    public required Uri Url { get; init; }

    /// <summary>Binary frame layout 1, 2 or 3 (the <c>Protocol-Version</c> header).</summary>
    public int ProtocolVersion { get; init; } = 1;

    /// <summary>Mint a token per device from this secret (HS256); null for none (or <see cref="Token"/>).</summary>
    public string? Secret { get; init; }

    /// <summary>A fixed token for every device (only useful with a device id it was minted for, or auth off).</summary>
    public string? Token { get; init; }

    /// <summary>The <c>user_id</c> claim of minted tokens.</summary>
    public long UserId { get; init; } = 1;

    /// <summary>Audio payload bytes per frame (before the v2/v3 header). Probes need at least 28.</summary>
    public int FrameBytes { get; init; } = 160;

    /// <summary>Second octet of the generated MAC addresses (<c>02:PP:xx:xx:xx:xx</c>), so fleets do not collide.</summary>
    public byte DeviceIdPrefix { get; init; }

    /// <summary>Limit for the WebSocket upgrade.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The firmware's wait for the server hello.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limit for a voice/chat turn's reply to finish (<c>tts stop</c>).</summary>
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
