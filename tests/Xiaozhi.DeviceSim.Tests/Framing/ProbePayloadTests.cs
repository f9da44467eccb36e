using CsCheck;
using Xiaozhi.DeviceSim.Framing;

namespace Xiaozhi.DeviceSim.Tests.Framing;

public sealed class ProbePayloadTests
{
    [Test]
    public void A_probe_is_magic_index_sequence_intended_sent_big_endian()
    {
        var payload = new byte[ProbePayload.Size];

        ProbePayload.Write(payload, 0x01020304, 0xA0B0C0D0, 0x1122334455667788, -2);

        payload.Should().Equal(
            (byte)'X', (byte)'Z', (byte)'S', (byte)'P',
            0x01, 0x02, 0x03, 0x04,
            0xA0, 0xB0, 0xC0, 0xD0,
            0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE);
    }

    [Test]
    public void A_hand_written_probe_reads_back()
    {
        byte[] payload =
        [
            0x58, 0x5A, 0x53, 0x50,
            0x00, 0x00, 0x01, 0x00,
            0x00, 0x00, 0x00, 0x2A,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
            0xF8, 0xF8, // filler after the probe is ignored
        ];

        ProbePayload.TryRead(payload, out var stamp).Should().BeTrue();
        stamp.Should().Be(new ProbeStamp(256, 42, 0x1000, 0x2001));
    }

    [Test]
    public void A_written_probe_reads_back_unchanged()
    {
        Gen.Select(Gen.Int, Gen.UInt, Gen.Long, Gen.Long, Gen.Int[0, 200]).Sample((index, sequence, intended, sent, filler) =>
        {
            var payload = new byte[ProbePayload.Size + filler];
            payload.AsSpan().Fill(0x5A);

            ProbePayload.Write(payload, index, sequence, intended, sent);

            ProbePayload.TryRead(payload, out var stamp).Should().BeTrue();
            stamp.Should().Be(new ProbeStamp(index, sequence, intended, sent));
        });
    }

    [Test]
    public void Writing_a_probe_leaves_the_filler_alone()
    {
        var payload = new byte[ProbePayload.Size + 10];
        payload.AsSpan().Fill(0xF8);

        ProbePayload.Write(payload, 1, 2, 3, 4);

        payload.AsSpan(ProbePayload.Size).ToArray().Should().OnlyContain(b => b == 0xF8);
    }

    [Test]
    public void A_payload_shorter_than_a_probe_is_not_one()
    {
        var payload = new byte[ProbePayload.Size];
        ProbePayload.Write(payload, 1, 2, 3, 4);

        ProbePayload.TryRead(payload.AsSpan(0, ProbePayload.Size - 1), out var stamp).Should().BeFalse();
        stamp.Should().Be(default(ProbeStamp));
    }

    [Test]
    public void Synthetic_audio_is_not_a_probe()
    {
        var audio = new byte[160];
        audio.AsSpan().Fill(0xF8);

        ProbePayload.TryRead(audio, out _).Should().BeFalse();
        ProbePayload.TryRead(new byte[160], out _).Should().BeFalse();
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void One_wrong_magic_byte_makes_it_not_a_probe(int position)
    {
        var payload = new byte[ProbePayload.Size];
        ProbePayload.Write(payload, 1, 2, 3, 4);
        payload[position] ^= 0x01;

        ProbePayload.TryRead(payload, out _).Should().BeFalse();
    }

    [Test]
    public void A_probe_stamped_into_a_frame_reads_back_through_every_layout()
    {
        // What a device does to send (header, then probe after it) and to receive (payload, then probe).
        Gen.Select(Gen.Int[1, 3], Gen.Int[ProbePayload.Size, 2000], Gen.Int[0, 100_000], Gen.UInt, Gen.Long[0, long.MaxValue / 2]).Sample(
            (version, payloadBytes, index, sequence, intended) =>
            {
                var header = FrameLayout.HeaderSize(version);
                var frame = new byte[header + payloadBytes];
                var sent = intended + 12345;

                FrameLayout.WriteHeader(version, frame, payloadBytes, 99);
                ProbePayload.Write(frame.AsSpan(header), index, sequence, intended, sent);

                FrameLayout.TryGetPayload(version, frame, out var payload).Should().BeTrue();
                payload.Length.Should().Be(payloadBytes);
                ProbePayload.TryRead(payload, out var stamp).Should().BeTrue();
                stamp.Should().Be(new ProbeStamp(index, sequence, intended, sent));
            });
    }
}
