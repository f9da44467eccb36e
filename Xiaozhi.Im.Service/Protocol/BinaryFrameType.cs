namespace Xiaozhi.Im.Service.Protocol;

/// <summary>The <c>type</c> field of a version 2 or 3 binary frame header.</summary>
internal enum BinaryFrameType
{
    /// <summary>Audio (Opus, or PCM when the hello said so).</summary>
    Audio = 0,

    /// <summary>A JSON message carried in a binary frame; it goes upstream as a text frame.</summary>
    Json = 1,
}
