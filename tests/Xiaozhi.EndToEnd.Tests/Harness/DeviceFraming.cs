using System.Buffers.Binary;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// The device side of protocol.md §4, written independently of the gateway's codec so the e2e suite checks it.
/// v2: u16 version, u16 type (0 opus, 1 json), u32 reserved, u32 timestamp, u32 payload_size, payload.
/// v3: u8 type, u8 reserved, u16 payload_size, payload. Big-endian.
/// </summary>
public static class DeviceFraming
{
    public static byte[] WrapV2(byte[] payload, ushort type = 0, uint timestamp = 0)
    {
        var frame = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(0), 2);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), (uint)payload.Length);
        payload.CopyTo(frame, 16);
        return frame;
    }

    public static byte[] WrapV3(byte[] payload, byte type = 0)
    {
        var frame = new byte[4 + payload.Length];
        frame[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Checks a downlink v2 frame and returns (type, payload).</summary>
    public static (ushort Type, byte[] Payload) UnwrapV2(byte[] frame)
    {
        frame.Length.Should().BeGreaterThanOrEqualTo(16, "a v2 frame has a 16-byte header");
        BinaryPrimitives.ReadUInt16BigEndian(frame).Should().Be(2, "the v2 header carries version 2");
        var size = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(12));
        size.Should().Be((uint)(frame.Length - 16), "payload_size must match");
        return (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)), frame[16..]);
    }

    /// <summary>Checks a downlink v3 frame and returns (type, payload).</summary>
    public static (byte Type, byte[] Payload) UnwrapV3(byte[] frame)
    {
        frame.Length.Should().BeGreaterThanOrEqualTo(4, "a v3 frame has a 4-byte header");
        var size = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2));
        size.Should().Be((ushort)(frame.Length - 4), "payload_size must match");
        return (frame[0], frame[4..]);
    }

    /// <summary>Distinct, recognisable fake Opus packets (content is opaque to the gateway).</summary>
    public static List<byte[]> AudioFrames(int count, int size = 120, int seed = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var frame = new byte[size];
            random.NextBytes(frame);
            frame[0] = (byte)i;
            return frame;
        }).ToList();
    }
}
