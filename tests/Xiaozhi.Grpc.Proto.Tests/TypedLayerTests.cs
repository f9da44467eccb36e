using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Grpc.Proto.Tests;

public sealed class TypedLayerTests
{
    private static readonly ChatSessionIdentity Who = new("sess", "aa:bb:cc:dd:ee:ff", "client");

    [Test]
    public void Text_requests_carry_all_ids_kind_1_the_exact_bytes_and_the_timestamp()
    {
        var json = """{"type":"listen","state":"start"}"""u8.ToArray();

        var request = ChatRequests.Text(Who, json, 42);

        (request.SessionId, request.DeviceId, request.ClientId).Should().Be(("sess", "aa:bb:cc:dd:ee:ff", "client"));
        request.MessageType.Should().Be(1);
        request.MessageData.ToByteArray().Should().Equal(json);
        request.Timestamp.Should().Be(42);
    }

    [Test]
    public void Binary_requests_carry_all_ids_too()
    {
        var request = ChatRequests.Binary(Who, [], 7);

        request.MessageType.Should().Be(2);
        request.MessageData.IsEmpty.Should().BeTrue("a zero-length binary frame is legal and forwarded");
        request.DeviceId.Should().Be("aa:bb:cc:dd:ee:ff");
    }

    [TestCase(ChatFrameKind.Error)]
    [TestCase(ChatFrameKind.Unspecified)]
    [TestCase((ChatFrameKind)3)]
    public void Only_text_and_binary_are_valid_request_kinds(ChatFrameKind kind)
    {
        var act = () => ChatRequests.Create(Who, kind, Google.Protobuf.ByteString.Empty, 0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("kind");
        kind.IsValidRequestKind().Should().BeFalse();
    }

    [Test]
    public void Error_responses_are_999_with_the_contract_payload()
    {
        var response = ChatResponses.Error("invalid_image", "magic bytes do not match png", 5);

        response.ResponseType.Should().Be(999);
        response.ResponseData.ToStringUtf8().Should().Be("""{"error_code":"invalid_image","error_message":"magic bytes do not match png"}""");
        ChatFrameKind.Error.IsValidResponseKind().Should().BeTrue();
        ((ChatFrameKind)3).IsValidResponseKind().Should().BeFalse();
    }

    [Test]
    public void Error_payload_round_trips_and_escapes_quotes()
    {
        var original = new AiErrorPayload("x\"y", "line\nbreak \u00e9");

        AiErrorPayload.TryParse(original.ToUtf8Json(), out var parsed).Should().BeTrue();

        parsed.Should().Be(original);
    }

    [TestCase("""{"error_code":"E1"}""", "E1", "")]
    [TestCase("""{"error_message":"boom","extra":1}""", "", "boom")]
    [TestCase("""{"error_code":500,"error_message":null}""", "500", "")]
    public void Error_payload_parsing_is_lenient_about_fields(string json, string code, string message)
    {
        AiErrorPayload.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out var parsed).Should().BeTrue();

        parsed.Should().Be(new AiErrorPayload(code, message));
    }

    [TestCase("")]
    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("\"text\"")]
    [TestCase("{\"error_code\":")]
    public void Error_payload_parsing_fails_only_for_non_objects(string text)
    {
        AiErrorPayload.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out var parsed).Should().BeFalse();
        parsed.Should().BeNull();
    }

    [Test]
    public void Metadata_header_names_are_the_contract_names()
    {
        SessionMetadataHeaders.All.Should().Equal("device-id", "client-id", "session-id", "protocol-version", "user-id", "transport-type");
    }
}
