using System.Buffers.Binary;

namespace Xiaozhi.DeviceSim.Framing;

/// <summary>
/// The simulator's audio payload: a 28-byte probe (magic, device index, sequence number, intended and actual send
/// times as <see cref="System.Diagnostics.Stopwatch"/> ticks) followed by filler, so an echoed frame can be matched
/// to its send without any per-frame state.
/// </summary>
public static class ProbePayload
{
    /// <summary>The smallest payload that carries a probe.</summary>
    public const int Size = 28;

    private const uint Magic = 0x585A_5350; // "XZSP"

    /// <summary>Writes a probe at the start of <paramref name="payload"/> (which must be at least <see cref="Size"/> bytes).</summary>
    public static void Write(Span<byte> payload, int deviceIndex, uint sequence, long intendedTicks, long sentTicks)
    {
        BinaryPrimitives.WriteUInt32BigEndian(payload, Magic);
        BinaryPrimitives.WriteInt32BigEndian(payload[4..], deviceIndex);
        BinaryPrimitives.WriteUInt32BigEndian(payload[8..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(payload[12..], intendedTicks);
        BinaryPrimitives.WriteInt64BigEndian(payload[20..], sentTicks);
    }

    /// <summary>Reads a probe; false when the payload is not one (e.g. the stub's synthetic audio).</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out ProbeStamp stamp)
    {
        stamp = default;
        if (payload.Length < Size || BinaryPrimitives.ReadUInt32BigEndian(payload) != Magic)
        {
            return false;
        }

        stamp = new ProbeStamp(
            BinaryPrimitives.ReadInt32BigEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(payload[8..]),
            BinaryPrimitives.ReadInt64BigEndian(payload[12..]),
            BinaryPrimitives.ReadInt64BigEndian(payload[20..]));
        return true;
    }
}
