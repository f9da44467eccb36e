using System.Buffers.Binary;

namespace Xiaozhi.DeviceSim.Framing;

/// <summary>
/// The device's binary frame layouts (protocol.md §4), big-endian: version 1 is the raw payload; version 2 has a
/// 16-byte header (<c>u16 version, u16 type, u32 reserved, u32 timestamp, u32 payload_size</c>); version 3 a 4-byte
/// header (<c>u8 type, u8 reserved, u16 payload_size</c>). Type 0 is audio.
/// </summary>
public static class FrameLayout
{
    /// <summary>The header size of a protocol version.</summary>
    public static int HeaderSize(int protocolVersion) => protocolVersion switch
    {
        1 => 0,
        2 => 16,
        3 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(protocolVersion), protocolVersion, "Protocol version must be 1, 2 or 3."),
    };

    /// <summary>Writes an audio header for <paramref name="payloadLength"/> bytes at the start of <paramref name="frame"/>.</summary>
    public static void WriteHeader(int protocolVersion, Span<byte> frame, int payloadLength, uint timestampMilliseconds)
    {
        switch (protocolVersion)
        {
            case 2:
                BinaryPrimitives.WriteUInt16BigEndian(frame, 2);
                BinaryPrimitives.WriteUInt16BigEndian(frame[2..], 0);
                BinaryPrimitives.WriteUInt32BigEndian(frame[4..], 0);
                BinaryPrimitives.WriteUInt32BigEndian(frame[8..], timestampMilliseconds);
                BinaryPrimitives.WriteUInt32BigEndian(frame[12..], (uint)payloadLength);
                break;
            case 3:
                if (payloadLength > ushort.MaxValue)
                {
                    throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, "A protocol 3 frame carries at most 65535 bytes.");
                }

                frame[0] = 0;
                frame[1] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payloadLength);
                break;
        }
    }

    /// <summary>
    /// The payload of a received frame, or false when the header is short or its size field does not match.
    /// </summary>
    public static bool TryGetPayload(int protocolVersion, ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        var header = HeaderSize(protocolVersion);
        if (frame.Length < header)
        {
            return false;
        }

        long declared = protocolVersion switch
        {
            2 => BinaryPrimitives.ReadUInt32BigEndian(frame[12..]),
            3 => BinaryPrimitives.ReadUInt16BigEndian(frame[2..]),
            _ => frame.Length,
        };
        if (declared != frame.Length - header)
        {
            return false;
        }

        payload = frame[header..];
        return true;
    }
}
