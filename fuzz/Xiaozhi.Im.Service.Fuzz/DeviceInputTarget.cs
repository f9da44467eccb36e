using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Fuzz;

/// <summary>
/// One fuzz input = what a device can send: the first byte picks the parser (binary frame v1/v2/v3, or the JSON
/// type sniffer), the rest is the frame. The parsers may only ever answer with their documented results; anything
/// else (an exception, an out-of-range slice, an undocumented error) is a crash AFL keeps.
/// </summary>
public static class DeviceInputTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var frame = input[1..];
        switch (input[0] % 4)
        {
            case 0:
                CheckSniff(frame);
                break;
            default:
                CheckUnwrap((BinaryProtocolVersion)(input[0] % 4), frame);
                break;
        }
    }

    private static void CheckUnwrap(BinaryProtocolVersion version, ReadOnlySpan<byte> frame)
    {
        var result = BinaryFrameCodec.Unwrap(version, frame);
        if (result.IsValid)
        {
            if (result.PayloadOffset != BinaryFrameCodec.HeaderSize(version) || result.PayloadOffset + result.PayloadLength != frame.Length)
            {
                throw new InvalidOperationException($"valid frame with a slice outside the input: {result}");
            }

            _ = frame.Slice(result.PayloadOffset, result.PayloadLength);
            return;
        }

        if (result.Error is not (BinaryFrameError.ShortHeader or BinaryFrameError.PayloadSizeMismatch or BinaryFrameError.UnknownType)
            || string.IsNullOrWhiteSpace(result.Problem))
        {
            throw new InvalidOperationException($"undocumented framing error: {result}");
        }
    }

    private static void CheckSniff(ReadOnlySpan<byte> frame)
    {
        var sniffed = JsonMessageTypeSniffer.Sniff(frame);
        if (sniffed.Shape is not (JsonMessageShape.NotJson or JsonMessageShape.NoType or JsonMessageShape.TypeNotString or JsonMessageShape.Typed)
            || (sniffed.Type is not null) != (sniffed.Shape == JsonMessageShape.Typed))
        {
            throw new InvalidOperationException($"undocumented sniff result: {sniffed}");
        }
    }
}
