namespace Xiaozhi.Im.Service.Protocol;

/// <summary>Why a device's binary frame could not be unwrapped.</summary>
internal enum BinaryFrameError
{
    /// <summary>The frame is fine.</summary>
    None = 0,

    /// <summary>Fewer bytes than the version's header.</summary>
    ShortHeader,

    /// <summary>The header's <c>payload_size</c> differs from the bytes that follow it.</summary>
    PayloadSizeMismatch,

    /// <summary>The header's <c>type</c> is neither 0 (audio) nor 1 (JSON).</summary>
    UnknownType,
}
