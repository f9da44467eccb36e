using Concentus;
using Concentus.Enums;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

/// <summary>
/// 60 ms uplink frames at 16 kHz mono as a device makes them: a voiced sound (a 200 Hz buzz with harmonics, loud like
/// speech) or silence, as PCM s16le or encoded by a real Opus encoder (no DTX, so silence is a small packet, not none).
/// </summary>
internal static class SpeechLikeAudio
{
    private const int SampleRate = 16_000;
    private const int FrameSamples = SampleRate * 60 / 1000;

    public static short[] VoicedPcm(int frameIndex)
    {
        var samples = new short[FrameSamples];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)(frameIndex * FrameSamples + i) / SampleRate;
            var value = 0.0;
            for (var harmonic = 1; harmonic <= 5; harmonic++)
            {
                value += Math.Sin(2 * Math.PI * 200 * harmonic * t) / harmonic;
            }

            samples[i] = (short)(6000 * value);
        }

        return samples;
    }

    public static short[] SilentPcm() => new short[FrameSamples];

    public static byte[] Bytes(short[] pcm)
    {
        var bytes = new byte[pcm.Length * 2];
        Buffer.BlockCopy(pcm, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>Encodes <paramref name="voicedFrames"/> voiced then <paramref name="silentFrames"/> silent frames with one encoder.</summary>
    public static List<byte[]> Opus(int voicedFrames, int silentFrames)
    {
        using var encoder = OpusCodecFactory.CreateEncoder(SampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP);
        encoder.UseDTX = false;
        var packets = new List<byte[]>();
        var output = new byte[1275];
        for (var i = 0; i < voicedFrames + silentFrames; i++)
        {
            var pcm = i < voicedFrames ? VoicedPcm(i) : SilentPcm();
            var length = encoder.Encode(pcm, FrameSamples, output, output.Length);
            packets.Add(output.AsSpan(0, length).ToArray());
        }

        return packets;
    }
}
