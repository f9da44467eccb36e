namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// The device's binary frame layout (protocol.md §4), chosen by the <c>Protocol-Version</c> handshake header
/// (or query) and used in both directions. Never taken from the JSON hello.
/// </summary>
internal enum BinaryProtocolVersion
{
    /// <summary>The raw Opus packet, no header (the default and what the AI service speaks).</summary>
    V1 = 1,

    /// <summary>16-byte header: <c>u16 version, u16 type, u32 reserved, u32 timestamp, u32 payload_size</c>.</summary>
    V2 = 2,

    /// <summary>4-byte header: <c>u8 type, u8 reserved, u16 payload_size</c>.</summary>
    V3 = 3,
}
