using System.Buffers.Binary;
using System.Globalization;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// Terminates protocol versions 2 and 3 (protocol.md §4): unwraps device frames to the raw payload the AI
/// service understands (version 1), and wraps raw downlink audio in the device's version. Big-endian headers.
/// </summary>
internal static class BinaryFrameCodec
{
    /// <summary>Header size of a version 2 frame.</summary>
    public const int V2HeaderSize = 16;

    /// <summary>Header size of a version 3 frame.</summary>
    public const int V3HeaderSize = 4;

    /// <summary>The largest payload a version 3 header can describe (<c>u16 payload_size</c>).</summary>
    public const int V3MaxPayload = ushort.MaxValue;

    /// <summary>The header size of <paramref name="version"/> (0 for version 1).</summary>
    public static int HeaderSize(BinaryProtocolVersion version) => version switch
    {
        BinaryProtocolVersion.V2 => V2HeaderSize,
        BinaryProtocolVersion.V3 => V3HeaderSize,
        _ => 0,
    };

    /// <summary>Checks and unwraps one device frame. A zero-length version 1 frame is valid (an end-of-speech marker).</summary>
    public static UnwrappedBinaryFrame Unwrap(BinaryProtocolVersion version, ReadOnlySpan<byte> frame)
    {
        switch (version)
        {
            case BinaryProtocolVersion.V2:
                {
                    if (frame.Length < V2HeaderSize)
                    {
                        return UnwrappedBinaryFrame.Invalid(
                            BinaryFrameError.ShortHeader,
                            Format("protocol 2 frame of {0} bytes is shorter than its 16-byte header", frame.Length));
                    }

                    var type = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                    var payloadSize = BinaryPrimitives.ReadUInt32BigEndian(frame[12..]);
                    return Check(2, type, payloadSize, V2HeaderSize, frame.Length);
                }

            case BinaryProtocolVersion.V3:
                {
                    if (frame.Length < V3HeaderSize)
                    {
                        return UnwrappedBinaryFrame.Invalid(
                            BinaryFrameError.ShortHeader,
                            Format("protocol 3 frame of {0} bytes is shorter than its 4-byte header", frame.Length));
                    }

                    var type = frame[0];
                    var payloadSize = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
                    return Check(3, type, payloadSize, V3HeaderSize, frame.Length);
                }

            default:
                return UnwrappedBinaryFrame.Valid(BinaryFrameType.Audio, 0, frame.Length);
        }
    }

    /// <summary>The size of <paramref name="payloadLength"/> bytes wrapped in <paramref name="version"/>.</summary>
    public static int WrappedSize(BinaryProtocolVersion version, int payloadLength) => HeaderSize(version) + payloadLength;

    /// <summary>True when <paramref name="payloadLength"/> fits the version's header (only version 3 has a limit).</summary>
    public static bool CanWrap(BinaryProtocolVersion version, int payloadLength) =>
        version != BinaryProtocolVersion.V3 || payloadLength <= V3MaxPayload;

    /// <summary>
    /// Writes the header for <paramref name="version"/> and copies <paramref name="payload"/> after it into
    /// <paramref name="destination"/>; returns the bytes written. Audio type; for version 2 the timestamp field is
    /// <paramref name="timestampMilliseconds"/> (the IM sends milliseconds since the session started, low 32 bits).
    /// </summary>
    /// <exception cref="ArgumentException">When the destination is too small or the payload does not fit a version 3 header.</exception>
    public static int Wrap(BinaryProtocolVersion version, ReadOnlySpan<byte> payload, uint timestampMilliseconds, Span<byte> destination)
    {
        var header = HeaderSize(version);
        if (destination.Length < header + payload.Length)
        {
            throw new ArgumentException("The destination is too small for the wrapped frame.", nameof(destination));
        }

        switch (version)
        {
            case BinaryProtocolVersion.V2:
                BinaryPrimitives.WriteUInt16BigEndian(destination, 2);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)BinaryFrameType.Audio);
                BinaryPrimitives.WriteUInt32BigEndian(destination[4..], 0);
                BinaryPrimitives.WriteUInt32BigEndian(destination[8..], timestampMilliseconds);
                BinaryPrimitives.WriteUInt32BigEndian(destination[12..], (uint)payload.Length);
                break;
            case BinaryProtocolVersion.V3:
                if (payload.Length > V3MaxPayload)
                {
                    throw new ArgumentException(Format("A protocol 3 frame carries at most {0} bytes.", V3MaxPayload), nameof(payload));
                }

                destination[0] = (byte)BinaryFrameType.Audio;
                destination[1] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
                break;
        }

        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }

    /// <summary>Convenience: wraps into a new array (tests, tools).</summary>
    public static byte[] Wrap(BinaryProtocolVersion version, ReadOnlySpan<byte> payload, uint timestampMilliseconds = 0)
    {
        var result = new byte[WrappedSize(version, payload.Length)];
        Wrap(version, payload, timestampMilliseconds, result);
        return result;
    }

    private static UnwrappedBinaryFrame Check(int version, int type, uint payloadSize, int headerSize, int frameLength)
    {
        var actual = frameLength - headerSize;
        if (payloadSize != (uint)actual)
        {
            return UnwrappedBinaryFrame.Invalid(
                BinaryFrameError.PayloadSizeMismatch,
                Format("protocol {0} payload_size {1} does not match the {2} payload bytes received", version, payloadSize, actual));
        }

        if (type is not ((int)BinaryFrameType.Audio or (int)BinaryFrameType.Json))
        {
            return UnwrappedBinaryFrame.Invalid(
                BinaryFrameError.UnknownType,
                Format("protocol {0} frame type {1} is neither 0 (audio) nor 1 (json)", version, type));
        }

        return UnwrappedBinaryFrame.Valid((BinaryFrameType)type, headerSize, actual);
    }

    private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
