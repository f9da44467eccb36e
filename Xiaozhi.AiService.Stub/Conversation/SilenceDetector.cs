using Concentus;
using Xiaozhi.AiService.Stub.Media;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// Tells an uplink audio frame with sound from a silent one, for the stub's VAD: PCM (s16le) by its energy, Opus decoded
/// to PCM (16 kHz mono) and measured the same way. Browser clients and the firmware in auto mode stream frames without
/// a gap while the microphone is on, so the end of speech shows in the frames' content, not in their arrival.
/// </summary>
/// <remarks>
/// An Opus packet of at most <see cref="MaxDtxPacketBytes"/> bytes is silence without decoding (a DTX / comfort-noise
/// packet is one or two bytes). A packet the decoder refuses counts as sound: the stub would rather wait for a gap than
/// end an utterance on bytes it cannot read. One per session (the decoder keeps state between packets); not thread-safe.
/// </remarks>
internal sealed class SilenceDetector : IDisposable
{
    /// <summary>RMS of the s16 samples below which a frame is silent (≈ −36 dBFS; speech is well above it).</summary>
    public const double SilenceRms = 500;

    /// <summary>Opus packets this small are silence (discontinuous transmission) and are not decoded.</summary>
    public const int MaxDtxPacketBytes = 2;

    private const int SampleRate = 16_000;
    private const int MaxPacketSamples = SampleRate * 120 / 1000; // Opus packets last at most 120 ms

    private IOpusDecoder? _decoder;
    private short[]? _pcm;

    /// <summary>True when <paramref name="frame"/> (one uplink binary frame in <paramref name="format"/>) holds no sound.</summary>
    public bool IsSilent(ReadOnlySpan<byte> frame, AudioFormat format)
    {
        if (format == AudioFormat.Pcm)
        {
            return Rms(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(frame[..(frame.Length & ~1)])) < SilenceRms;
        }

        if (frame.Length <= MaxDtxPacketBytes)
        {
            return true;
        }

        _decoder ??= OpusCodecFactory.CreateDecoder(SampleRate, 1);
        _pcm ??= new short[MaxPacketSamples];
        int samples;
        try
        {
            samples = _decoder.Decode(frame, _pcm, MaxPacketSamples, false);
        }
        catch (Exception ex) when (ex is OpusException or ArgumentException or IndexOutOfRangeException)
        {
            return false;
        }

        return samples <= 0 || Rms(_pcm.AsSpan(0, samples)) < SilenceRms;
    }

    /// <summary>Root mean square of <paramref name="samples"/> (0 for none). s16le on a little-endian host, as the stub runs.</summary>
    public static double Rms(ReadOnlySpan<short> samples)
    {
        if (samples.IsEmpty)
        {
            return 0;
        }

        double sum = 0;
        foreach (var sample in samples)
        {
            sum += (double)sample * sample;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _decoder?.Dispose();
        _decoder = null;
    }
}
