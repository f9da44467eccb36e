using Google.Protobuf;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class TextHandlingTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Non_json_text_is_echoed_byte_for_byte()
    {
        await using var stream = _host.Open();
        byte[] bytes = [.. "ping {not json"u8, 0xE4, 0xBD, 0xA0];
        await stream.SendAsync(ChatRequests.Text(stream.Identity, bytes, DeviceStream.Now));
        var echo = await stream.NextAsync();
        echo.GetKind().Should().Be(ChatFrameKind.Text);
        echo.ResponseData.ToByteArray().Should().Equal(bytes);
    }

    [TestCase("42")]
    [TestCase("[1,2]")]
    [TestCase("\"hello\"")]
    public async Task Json_that_is_not_an_object_is_echoed(string text)
    {
        await using var stream = _host.Open();
        await stream.SendTextAsync(text);
        (await stream.NextAsync()).ResponseData.ToStringUtf8().Should().Be(text);
    }

    [Test]
    public async Task Unknown_json_types_are_ignored_and_counted()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"future_feature","x":1}""");
        await stream.SendTextAsync("""{"type":"another_one"}""");
        await stream.SendTextAsync("""{"type":"iot","descriptors":[]}""");
        await VoiceTurnTests.PingBarrierAsync(stream);
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        session.IgnoredUnknownTypes.Should().Be(2, "iot is a known legacy type");
    }

    [TestCase("""{"text":"no type here"}""")]
    [TestCase("""{"type":5}""")]
    [TestCase("""{"type":null}""")]
    public async Task Json_without_a_string_type_is_a_999(string text)
    {
        await using var stream = _host.Open();
        await stream.SendTextAsync(text);
        var error = await stream.NextErrorAsync();
        error.ErrorCode.Should().Be("missing_type");
        error.ErrorMessage.Should().Contain("type");
        await VoiceTurnTests.PingBarrierAsync(stream);
    }

    [Test]
    public async Task Binary_before_hello_is_dropped_and_counted()
    {
        await using var stream = _host.Open();
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""");
        await stream.SendBinaryAsync([1, 2, 3]);
        await stream.SendBinaryAsync([4, 5]);
        await VoiceTurnTests.PingBarrierAsync(stream);
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        session.DroppedBinaryBeforeHello.Should().Be(2);

        await stream.HelloAsync();
        await stream.SendBinaryAsync([9]);
        await VoiceTurnTests.PingBarrierAsync(stream);
        session.DroppedBinaryBeforeHello.Should().Be(2, "frames after hello are not dropped");
    }

    [Test]
    public async Task Unknown_message_type_is_a_999()
    {
        await using var stream = _host.Open();
        await stream.SendAsync(new ChatRequest
        {
            SessionId = stream.SessionId,
            DeviceId = stream.Identity.DeviceId,
            ClientId = stream.Identity.ClientId,
            MessageType = 7,
            MessageData = ByteString.CopyFromUtf8("?"),
            Timestamp = DeviceStream.Now,
        });
        var error = await stream.NextErrorAsync();
        error.ErrorCode.Should().Be("invalid_message_type");
        error.ErrorMessage.Should().Contain("7");
    }

    [Test]
    public async Task Empty_binary_frame_is_an_end_of_speech_marker_not_audio_to_play_back()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"listen","state":"start","mode":"manual"}""");
        await stream.SendBinaryAsync([1, 2, 3]);
        await stream.SendBinaryAsync([]);
        await stream.SendBinaryAsync([4, 5]);
        await stream.SendTextAsync("""{"type":"listen","state":"stop"}""");
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be("heard 2 frames, 5 bytes", "the empty frame is legal (no error) but is not audio");
        turn.Frames.Should().BeEquivalentTo(new byte[][] { [1, 2, 3], [4, 5] }, o => o.WithStrictOrdering());
    }
}
