namespace Xiaozhi.AiService.Stub.Media;

/// <summary>
/// Synthetic downlink audio for turns that have no received audio to loop back.
/// </summary>
/// <remarks>
/// Opus (RFC 6716 §3.1): a 60 ms packet of silence as a "code 3" packet holding three 20 ms CELT frames.
/// <list type="bullet">
/// <item>TOC byte <c>0xFB</c> = config 31 (CELT-only, fullband, 20 ms) &lt;&lt; 3 | s = 0 (mono) | c = 3 (arbitrary number of frames).</item>
/// <item>Frame-count byte <c>0x03</c> = v 0 (CBR), p 0 (no padding), M = 3 frames → 3 × 20 ms = 60 ms.</item>
/// <item>Three CBR frames of 2 bytes each, <c>FF FE</c>: the well-known CELT silence frame (the same payload as the
/// widely used 20 ms silence packet <c>F8 FF FE</c>); the range decoder reads the silence flag as set.</item>
/// </list>
/// A CELT-only config was chosen because SILK/hybrid silence needs a real encoded payload; any Opus decoder decodes
/// fullband CELT at the device's 16 kHz output rate. PCM: 60 ms of s16le silence at 16 kHz mono = 1920 zero bytes.
/// </remarks>
internal static class SyntheticAudio
{
    /// <summary>60 ms of Opus silence: TOC, frame count, 3 × CELT silence frame.</summary>
    public static ReadOnlyMemory<byte> OpusSilence60Ms { get; } = new byte[] { 0xFB, 0x03, 0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE };

    /// <summary>60 ms of PCM s16le silence at 16 kHz mono.</summary>
    public static ReadOnlyMemory<byte> PcmSilence60Ms { get; } = new byte[16_000 * 2 * 60 / 1000];

    public static IReadOnlyList<ReadOnlyMemory<byte>> Frames(AudioFormat format, int count)
    {
        var frame = format == AudioFormat.Pcm ? PcmSilence60Ms : OpusSilence60Ms;
        return Enumerable.Repeat(frame, count).ToArray();
    }
}
