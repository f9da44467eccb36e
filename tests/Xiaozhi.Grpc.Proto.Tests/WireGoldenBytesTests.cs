using Google.Protobuf;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Grpc.Proto.Tests;

/// <summary>
/// Golden bytes written by hand from ai_service.proto (tag = field_number &lt;&lt; 3 | wire_type;
/// wire type 0 varint, 2 length-delimited). A Go peer encodes the same messages to the same bytes
/// (both emit fields in field-number order), so decoding these proves wire compatibility.
/// </summary>
public sealed class WireGoldenBytesTests
{
    private const long Timestamp = 1_700_000_000_123; // varint FB D0 95 FF BC 31

    private static readonly byte[] ChatRequestGolden = Concat(
        [0x0A, 0x03], "s-1"u8.ToArray(),                    // 1: session_id, string
        [0x12, 0x11], "aa:bb:cc:dd:ee:ff"u8.ToArray(),      // 2: device_id, string (17 bytes)
        [0x1A, 0x02], "c1"u8.ToArray(),                     // 3: client_id, string
        [0x20, 0x02],                                       // 4: message_type, int32 = 2 (binary)
        [0x2A, 0x03, 0xF8, 0xFF, 0xFE],                     // 5: message_data, bytes
        [0x30, 0xFB, 0xD0, 0x95, 0xFF, 0xBC, 0x31]);        // 6: timestamp, int64

    private static readonly byte[] ChatResponseErrorGolden = Concat(
        [0x0A, 0x01], "s"u8.ToArray(),                      // 1: session_id
        [0x10, 0xE7, 0x07],                                 // 2: response_type = 999 (two-byte varint)
        [0x1A, 0x02], "{}"u8.ToArray(),                     // 3: response_data
        [0x20, 0xFB, 0xD0, 0x95, 0xFF, 0xBC, 0x31]);        // 4: timestamp

    [Test]
    public void ChatRequest_golden_bytes_decode_field_by_field_and_encode_back_identically()
    {
        var request = ChatRequest.Parser.ParseFrom(ChatRequestGolden);

        request.SessionId.Should().Be("s-1");
        request.DeviceId.Should().Be("aa:bb:cc:dd:ee:ff");
        request.ClientId.Should().Be("c1");
        request.MessageType.Should().Be(2);
        request.GetKind().Should().Be(ChatFrameKind.Binary);
        request.MessageData.ToByteArray().Should().Equal(0xF8, 0xFF, 0xFE);
        request.Timestamp.Should().Be(Timestamp);

        request.ToByteArray().Should().Equal(ChatRequestGolden);
    }

    [Test]
    public void ChatRequests_builder_produces_the_golden_bytes()
    {
        var built = ChatRequests.Binary(new ChatSessionIdentity("s-1", "aa:bb:cc:dd:ee:ff", "c1"), [0xF8, 0xFF, 0xFE], Timestamp);

        built.ToByteArray().Should().Equal(ChatRequestGolden);
    }

    [Test]
    public void ChatResponse_error_golden_bytes_decode_and_encode_back_identically()
    {
        var response = ChatResponse.Parser.ParseFrom(ChatResponseErrorGolden);

        response.SessionId.Should().Be("s");
        response.ResponseType.Should().Be(999);
        response.GetKind().Should().Be(ChatFrameKind.Error);
        response.ResponseData.ToStringUtf8().Should().Be("{}");
        response.Timestamp.Should().Be(Timestamp);

        response.ToByteArray().Should().Equal(ChatResponseErrorGolden);
    }

    [Test]
    public void ChatResponse_from_the_Go_service_with_empty_session_id_omits_the_field()
    {
        // The Go AI service leaves session_id empty; proto3 does not put empty strings on the wire.
        byte[] golden = [0x10, 0x01, 0x1A, 0x02, (byte)'{', (byte)'}'];

        var response = ChatResponse.Parser.ParseFrom(golden);

        response.SessionId.Should().BeEmpty();
        response.GetKind().Should().Be(ChatFrameKind.Text);
        ChatResponses.Text("{}"u8, 0).ToByteArray().Should().Equal(golden);
    }

    [Test]
    public void HealthCheck_messages_match_their_golden_bytes()
    {
        byte[] requestGolden = [0x0A, 0x02, (byte)'a', (byte)'i'];
        byte[] servingGolden = [0x08, 0x01];
        byte[] notServingGolden = [0x08, 0x02];

        HealthCheckRequest.Parser.ParseFrom(requestGolden).Service.Should().Be("ai");
        new HealthCheckRequest { Service = "ai" }.ToByteArray().Should().Equal(requestGolden);
        HealthCheckResponse.Parser.ParseFrom(servingGolden).Status.Should().Be(HealthCheckResponse.Types.ServingStatus.Serving);
        HealthCheckResponse.Parser.ParseFrom(notServingGolden).Status.Should().Be(HealthCheckResponse.Types.ServingStatus.NotServing);
        new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Unknown }.ToByteArray().Should().BeEmpty();
    }

    [Test]
    public void Unknown_fields_from_a_newer_peer_are_kept_and_written_back()
    {
        // Field 7 (varint 5) is not in the contract: a newer AI service may add it; we must not break or lose it.
        byte[] withExtra = [.. ChatRequestGolden, 0x38, 0x05];

        var request = ChatRequest.Parser.ParseFrom(withExtra);

        request.SessionId.Should().Be("s-1");
        request.ToByteArray().Should().Equal(withExtra);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
