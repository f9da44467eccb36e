using Xiaozhi.AiService.Stub.Conversation;
using Xiaozhi.AiService.Stub.Media;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class SilenceDetectorTests
{
    [Test]
    public void Pcm_is_told_by_its_energy()
    {
        using var detector = new SilenceDetector();
        var quietNoise = Enumerable.Range(0, 960).Select(i => (short)(i % 2 == 0 ? 200 : -200)).ToArray();

        detector.IsSilent(SpeechLikeAudio.Bytes(SpeechLikeAudio.VoicedPcm(0)), AudioFormat.Pcm).Should().BeFalse();
        detector.IsSilent(SpeechLikeAudio.Bytes(SpeechLikeAudio.SilentPcm()), AudioFormat.Pcm).Should().BeTrue();
        detector.IsSilent(SpeechLikeAudio.Bytes(quietNoise), AudioFormat.Pcm).Should().BeTrue("RMS 200 is below the threshold");
    }

    [Test]
    public void Opus_is_decoded_and_told_by_its_energy()
    {
        using var detector = new SilenceDetector();
        var packets = SpeechLikeAudio.Opus(voicedFrames: 5, silentFrames: 5);

        // The first silent packet still carries the voice's last milliseconds (the codec's look-ahead delays it).
        packets.Select(p => detector.IsSilent(p, AudioFormat.Opus)).Should().Equal(false, false, false, false, false, false, true, true, true, true);
    }

    [Test]
    public void A_dtx_sized_opus_packet_is_silence_and_one_the_decoder_refuses_is_sound()
    {
        using var detector = new SilenceDetector();

        detector.IsSilent([0x08], AudioFormat.Opus).Should().BeTrue("a one-byte packet is a DTX frame");
        detector.IsSilent(SyntheticAudio.OpusSilence60Ms.Span, AudioFormat.Opus).Should().BeTrue("the CELT silence packet decodes to zeros");
        detector.IsSilent([0xFF, 0xFF, 0xFF, 0xFF, 0xFF], AudioFormat.Opus).Should().BeFalse("bytes the decoder cannot read are not taken for silence");
    }
}
