using CsCheck;
using Xiaozhi.DeviceSim.Framing;

namespace Xiaozhi.DeviceSim.Tests.Framing;

/// <summary>protocol.md §4 layouts, against hand-written bytes (big-endian).</summary>
public sealed class FrameLayoutTests
{
    private static readonly byte[] Opus = [0xF8, 0xFF, 0xFE, 0x01, 0x02];

    [TestCase(1, 0)]
    [TestCase(2, 16)]
    [TestCase(3, 4)]
    public void Header_sizes_follow_the_protocol(int version, int size)
    {
        FrameLayout.HeaderSize(version).Should().Be(size);
    }

    [TestCase(0)]
    [TestCase(4)]
    [TestCase(-1)]
    public void Unknown_versions_have_no_header_size(int version)
    {
        var size = () => FrameLayout.HeaderSize(version);

        size.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Version_2_header_is_version_type_reserved_timestamp_size_big_endian()
    {
        var frame = Filled(16 + Opus.Length, 0xAA); // stale bytes must be overwritten, reserved fields zeroed

        FrameLayout.WriteHeader(2, frame, Opus.Length, 0x12345678);

        frame.AsSpan(0, 16).ToArray().Should().Equal(
            0x00, 0x02, // version 2
            0x00, 0x00, // type 0 = audio
            0x00, 0x00, 0x00, 0x00, // reserved
            0x12, 0x34, 0x56, 0x78, // timestamp (ms)
            0x00, 0x00, 0x00, 0x05); // payload size
        frame.AsSpan(16).ToArray().Should().OnlyContain(b => b == 0xAA, "the header writer must not touch the payload");
    }

    [Test]
    public void Version_2_size_field_uses_all_four_bytes()
    {
        var frame = new byte[16];

        FrameLayout.WriteHeader(2, frame, 0x01020304, uint.MaxValue);

        frame.Should().Equal(0, 2, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02, 0x03, 0x04);
    }

    [Test]
    public void Version_3_header_is_type_reserved_size_big_endian()
    {
        var frame = Filled(4, 0xAA);

        FrameLayout.WriteHeader(3, frame, 0x1234, 0xDEADBEEF);

        frame.Should().Equal(
            0x00, // type 0 = audio
            0x00, // reserved
            0x12, 0x34); // payload size; no timestamp in v3
    }

    [Test]
    public void Version_3_carries_at_most_65535_bytes()
    {
        FrameLayout.WriteHeader(3, new byte[4], ushort.MaxValue, 0);
        var tooBig = () => FrameLayout.WriteHeader(3, new byte[4], ushort.MaxValue + 1, 0);

        tooBig.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Version_1_has_no_header_to_write()
    {
        var frame = Filled(8, 0xAA);

        FrameLayout.WriteHeader(1, frame, 8, 123);

        frame.Should().OnlyContain(b => b == 0xAA);
    }

    [Test]
    public void Version_1_payload_is_the_whole_frame()
    {
        FrameLayout.TryGetPayload(1, Opus, out var payload).Should().BeTrue();
        payload.ToArray().Should().Equal(Opus);
        FrameLayout.TryGetPayload(1, [], out var empty).Should().BeTrue();
        empty.Length.Should().Be(0);
    }

    [Test]
    public void Version_2_payload_is_read_from_a_hand_written_frame()
    {
        byte[] frame = [0, 2, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 5, .. Opus];

        FrameLayout.TryGetPayload(2, frame, out var payload).Should().BeTrue();
        payload.ToArray().Should().Equal(Opus);
    }

    [Test]
    public void Version_3_payload_is_read_from_a_hand_written_frame()
    {
        byte[] frame = [0, 0, 0, 5, .. Opus];

        FrameLayout.TryGetPayload(3, frame, out var payload).Should().BeTrue();
        payload.ToArray().Should().Equal(Opus);
    }

    [TestCase(2, 15)]
    [TestCase(2, 0)]
    [TestCase(3, 3)]
    [TestCase(3, 0)]
    public void A_frame_shorter_than_its_header_has_no_payload(int version, int length)
    {
        FrameLayout.TryGetPayload(version, new byte[length], out _).Should().BeFalse();
    }

    [Test]
    public void A_size_field_that_disagrees_with_the_frame_length_is_refused()
    {
        byte[] v2Short = [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, .. Opus];
        byte[] v2Long = [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, .. Opus];
        byte[] v3Short = [0, 0, 0, 6, .. Opus];
        byte[] v3Long = [0, 0, 0, 4, .. Opus];
        byte[] v3LittleEndian = [0, 0, 5, 0, .. Opus];

        FrameLayout.TryGetPayload(2, v2Short, out _).Should().BeFalse();
        FrameLayout.TryGetPayload(2, v2Long, out _).Should().BeFalse();
        FrameLayout.TryGetPayload(3, v3Short, out _).Should().BeFalse();
        FrameLayout.TryGetPayload(3, v3Long, out _).Should().BeFalse();
        FrameLayout.TryGetPayload(3, v3LittleEndian, out _).Should().BeFalse();
    }

    [Test]
    public void A_written_header_and_payload_read_back_as_that_payload_for_every_version()
    {
        Gen.Select(Gen.Int[1, 3], Gen.Byte.Array[0, 3000], Gen.UInt).Sample((version, body, timestamp) =>
        {
            var header = FrameLayout.HeaderSize(version);
            var frame = new byte[header + body.Length];
            body.CopyTo(frame, header);

            FrameLayout.WriteHeader(version, frame, body.Length, timestamp);

            FrameLayout.TryGetPayload(version, frame, out var payload).Should().BeTrue();
            payload.ToArray().Should().Equal(body);
        });
    }

    [Test]
    public void A_frame_read_with_the_wrong_layout_is_refused()
    {
        // A v2 frame is not a valid v3 frame (its bytes 2..3 are the type, 0), and vice versa (too short / wrong size).
        var body = new byte[40];
        var v2 = new byte[16 + body.Length];
        FrameLayout.WriteHeader(2, v2, body.Length, 7);
        var v3 = new byte[4 + body.Length];
        FrameLayout.WriteHeader(3, v3, body.Length, 7);

        FrameLayout.TryGetPayload(3, v2, out _).Should().BeFalse();
        FrameLayout.TryGetPayload(2, v3, out _).Should().BeFalse();
    }

    private static byte[] Filled(int length, byte value)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }
}
