using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

public class BinaryFrameCodecTests
{
    private static readonly byte[] Opus = [0xF8, 0xFF, 0xFE, 0x01, 0x02];

    [Test]
    public void V1_is_the_raw_payload_both_ways()
    {
        var unwrapped = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V1, Opus);
        unwrapped.Should().Be(UnwrappedBinaryFrame.Valid(BinaryFrameType.Audio, 0, Opus.Length));
        BinaryFrameCodec.Wrap(BinaryProtocolVersion.V1, Opus).Should().Equal(Opus);
    }

    [Test]
    public void V1_zero_length_frame_is_legal()
    {
        var unwrapped = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V1, []);
        unwrapped.IsValid.Should().BeTrue();
        unwrapped.PayloadLength.Should().Be(0);
    }

    [Test]
    public void V2_unwraps_a_hand_written_frame()
    {
        byte[] frame = [0, 2, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 5, .. Opus];
        var unwrapped = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, frame);
        unwrapped.Should().Be(UnwrappedBinaryFrame.Valid(BinaryFrameType.Audio, 16, 5));
        frame.AsSpan(unwrapped.PayloadOffset, unwrapped.PayloadLength).ToArray().Should().Equal(Opus);
    }

    [Test]
    public void V2_json_type_is_reported_as_json()
    {
        var json = "{\"type\":\"listen\"}"u8.ToArray();
        byte[] frame = [0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)json.Length, .. json];
        var unwrapped = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, frame);
        unwrapped.Type.Should().Be(BinaryFrameType.Json);
        frame.AsSpan(unwrapped.PayloadOffset, unwrapped.PayloadLength).ToArray().Should().Equal(json);
    }

    [Test]
    public void V2_wraps_with_the_exact_header()
    {
        BinaryFrameCodec.Wrap(BinaryProtocolVersion.V2, Opus, 0x01020304).Should().Equal(
            [0, 2, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 5, .. Opus]);
    }

    [Test]
    public void V3_unwraps_and_wraps_with_the_exact_header()
    {
        byte[] frame = [0, 0, 0, 5, .. Opus];
        BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V3, frame).Should().Be(UnwrappedBinaryFrame.Valid(BinaryFrameType.Audio, 4, 5));
        BinaryFrameCodec.Wrap(BinaryProtocolVersion.V3, Opus).Should().Equal(frame);
    }

    [TestCase(BinaryProtocolVersion.V2)]
    [TestCase(BinaryProtocolVersion.V3)]
    public void Round_trip_of_a_large_payload(object versionCase)
    {
        // NUnit runs public methods only, and the enum is internal: the case arrives as object.
        var version = (BinaryProtocolVersion)versionCase;
        var payload = Enumerable.Range(0, 60_000).Select(i => (byte)i).ToArray();
        var wrapped = BinaryFrameCodec.Wrap(version, payload, 7);
        var unwrapped = BinaryFrameCodec.Unwrap(version, wrapped);
        unwrapped.IsValid.Should().BeTrue();
        wrapped.AsSpan(unwrapped.PayloadOffset, unwrapped.PayloadLength).ToArray().Should().Equal(payload);
    }

    [TestCase(BinaryProtocolVersion.V2, 0)]
    [TestCase(BinaryProtocolVersion.V2, 15)]
    [TestCase(BinaryProtocolVersion.V3, 0)]
    [TestCase(BinaryProtocolVersion.V3, 3)]
    public void Short_header_is_rejected(object versionCase, int length)
    {
        var version = (BinaryProtocolVersion)versionCase;
        var unwrapped = BinaryFrameCodec.Unwrap(version, new byte[length]);
        unwrapped.Error.Should().Be(BinaryFrameError.ShortHeader);
        unwrapped.Problem.Should().Contain("shorter than its").And.Contain($"{length} bytes");
    }

    [Test]
    public void V2_size_mismatch_is_rejected()
    {
        byte[] frame = [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, .. Opus];
        var unwrapped = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, frame);
        unwrapped.Error.Should().Be(BinaryFrameError.PayloadSizeMismatch);
        unwrapped.Problem.Should().Be("protocol 2 payload_size 9 does not match the 5 payload bytes received");
    }

    [Test]
    public void V3_size_mismatch_is_rejected()
    {
        byte[] frame = [0, 0, 0, 4, .. Opus];
        BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V3, frame).Error.Should().Be(BinaryFrameError.PayloadSizeMismatch);
    }

    [Test]
    public void Wrong_type_is_rejected()
    {
        byte[] v2 = [0, 2, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, .. Opus];
        byte[] v3 = [9, 0, 0, 5, .. Opus];
        BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, v2).Problem.Should().Be("protocol 2 frame type 7 is neither 0 (audio) nor 1 (json)");
        BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V3, v3).Error.Should().Be(BinaryFrameError.UnknownType);
    }

    [TestCase(BinaryProtocolVersion.V2, 16)]
    [TestCase(BinaryProtocolVersion.V3, 4)]
    public void Header_only_frame_is_a_valid_empty_payload(object versionCase, int headerSize)
    {
        var version = (BinaryProtocolVersion)versionCase;
        var wrapped = BinaryFrameCodec.Wrap(version, []);
        wrapped.Should().HaveCount(headerSize);
        var unwrapped = BinaryFrameCodec.Unwrap(version, wrapped);
        unwrapped.IsValid.Should().BeTrue();
        unwrapped.PayloadLength.Should().Be(0);
    }

    [Test]
    public void V3_cannot_wrap_more_than_65535_bytes()
    {
        BinaryFrameCodec.CanWrap(BinaryProtocolVersion.V3, 65_536).Should().BeFalse();
        BinaryFrameCodec.CanWrap(BinaryProtocolVersion.V2, 65_536).Should().BeTrue();
        var act = () => BinaryFrameCodec.Wrap(BinaryProtocolVersion.V3, new byte[65_536]);
        act.Should().Throw<ArgumentException>();
    }
}
