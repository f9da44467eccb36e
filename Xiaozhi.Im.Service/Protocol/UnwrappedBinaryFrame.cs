namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// The result of unwrapping one device binary frame: where the raw payload sits inside the received bytes
/// (no copy) and what it is, or why the frame is malformed.
/// </summary>
/// <param name="Type">Audio, or JSON (a v2/v3 frame of type 1).</param>
/// <param name="PayloadOffset">Offset of the payload in the received frame.</param>
/// <param name="PayloadLength">Length of the payload.</param>
/// <param name="Error">The problem, <see cref="BinaryFrameError.None"/> when valid.</param>
/// <param name="Problem">A short human-readable description of the problem (no payload bytes), empty when valid.</param>
internal readonly record struct UnwrappedBinaryFrame(
    BinaryFrameType Type,
    int PayloadOffset,
    int PayloadLength,
    BinaryFrameError Error,
    string Problem)
{
    /// <summary>True when the frame can be forwarded.</summary>
    public bool IsValid => Error == BinaryFrameError.None;

    /// <summary>A valid frame.</summary>
    public static UnwrappedBinaryFrame Valid(BinaryFrameType type, int offset, int length) =>
        new(type, offset, length, BinaryFrameError.None, string.Empty);

    /// <summary>A malformed frame.</summary>
    public static UnwrappedBinaryFrame Invalid(BinaryFrameError error, string problem) =>
        new(BinaryFrameType.Audio, 0, 0, error, problem);
}
