using System.Buffers.Binary;
using CsCheck;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Protocol;

/// <summary>
/// Properties of protocol.md §4 framing over generated inputs: wrapping round-trips, and arbitrary bytes only
/// ever yield one of the documented <see cref="BinaryFrameError"/>s — never an exception.
/// </summary>
public sealed class FramingPropertyTests
{
    private static readonly Gen<BinaryProtocolVersion> Versions = Gen.OneOf(BinaryProtocolVersion.V1, BinaryProtocolVersion.V2, BinaryProtocolVersion.V3);

    [Test]
    public void Wrapped_audio_unwraps_to_the_same_payload_for_every_version()
    {
        Gen.Select(Versions, Gen.Byte.Array[0, 3000], Gen.UInt).Sample((version, payload, timestamp) =>
        {
            var frame = BinaryFrameCodec.Wrap(version, payload, timestamp);
            var unwrapped = BinaryFrameCodec.Unwrap(version, frame);

            unwrapped.IsValid.Should().BeTrue(unwrapped.Problem);
            unwrapped.Type.Should().Be(BinaryFrameType.Audio);
            frame.AsSpan(unwrapped.PayloadOffset, unwrapped.PayloadLength).ToArray().Should().Equal(payload);
            frame.Length.Should().Be(BinaryFrameCodec.WrappedSize(version, payload.Length));
        });
    }

    [Test]
    public void Version_2_header_carries_the_timestamp_and_size_big_endian()
    {
        Gen.Select(Gen.Byte.Array[0, 500], Gen.UInt).Sample((payload, timestamp) =>
        {
            var frame = BinaryFrameCodec.Wrap(BinaryProtocolVersion.V2, payload, timestamp);

            BinaryPrimitives.ReadUInt16BigEndian(frame).Should().Be(2);
            BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(8)).Should().Be(timestamp);
            BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(12)).Should().Be((uint)payload.Length);
        });
    }

    [Test]
    public void Device_json_frames_of_type_1_unwrap_as_json()
    {
        Gen.Select(Gen.OneOf(BinaryProtocolVersion.V2, BinaryProtocolVersion.V3), Gen.Byte.Array[0, 1000]).Sample((version, payload) =>
        {
            var frame = BinaryFrameCodec.Wrap(version, payload);
            if (version == BinaryProtocolVersion.V2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 1);
            }
            else
            {
                frame[0] = 1;
            }

            var unwrapped = BinaryFrameCodec.Unwrap(version, frame);

            unwrapped.IsValid.Should().BeTrue();
            unwrapped.Type.Should().Be(BinaryFrameType.Json);
            frame.AsSpan(unwrapped.PayloadOffset, unwrapped.PayloadLength).ToArray().Should().Equal(payload);
        });
    }

    [Test]
    public void Arbitrary_bytes_yield_a_valid_slice_or_a_documented_error_never_an_exception()
    {
        Gen.Select(Versions, Gen.Byte.Array[0, 100]).Sample((version, bytes) =>
        {
            var unwrapped = BinaryFrameCodec.Unwrap(version, bytes);

            if (unwrapped.IsValid)
            {
                unwrapped.PayloadOffset.Should().Be(BinaryFrameCodec.HeaderSize(version));
                (unwrapped.PayloadOffset + unwrapped.PayloadLength).Should().Be(bytes.Length, "the declared size must match exactly");
                unwrapped.Problem.Should().BeEmpty();
            }
            else
            {
                version.Should().NotBe(BinaryProtocolVersion.V1, "any bytes are a valid version 1 frame");
                unwrapped.Error.Should().BeOneOf(BinaryFrameError.ShortHeader, BinaryFrameError.PayloadSizeMismatch, BinaryFrameError.UnknownType);
                unwrapped.Problem.Should().NotBeNullOrWhiteSpace().And.StartWith($"protocol {(int)version} ");
            }
        });
    }

    [Test]
    public void Headers_with_a_correct_size_but_random_type_are_accepted_only_for_types_0_and_1()
    {
        Gen.Select(Gen.UShort, Gen.Byte.Array[0, 64]).Sample((type, payload) =>
        {
            var frame = BinaryFrameCodec.Wrap(BinaryProtocolVersion.V2, payload);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);

            var unwrapped = BinaryFrameCodec.Unwrap(BinaryProtocolVersion.V2, frame);

            unwrapped.IsValid.Should().Be(type <= 1);
            if (type > 1)
            {
                unwrapped.Error.Should().Be(BinaryFrameError.UnknownType);
            }
        });
    }
}
