namespace Xiaozhi.Im.Service.Upstream;

/// <summary>The 9-byte header of one HTTP/2 frame (RFC 9113 §4.1).</summary>
/// <param name="Length">The 24-bit payload length.</param>
/// <param name="Type">The frame type.</param>
/// <param name="Flags">The frame flags.</param>
/// <param name="StreamId">The 31-bit stream identifier (the reserved bit cleared).</param>
internal readonly record struct Http2FrameHeader(int Length, byte Type, byte Flags, int StreamId)
{
    /// <summary>The GOAWAY frame type.</summary>
    public const byte GoAwayType = 0x7;

    /// <summary>The size of a frame header.</summary>
    public const int Size = 9;

    /// <summary>True for a GOAWAY frame.</summary>
    public bool IsGoAway => Type == GoAwayType;
}
