using Xiaozhi.AiService.Stub.Tests.Infrastructure;

namespace Xiaozhi.AiService.Stub.Tests.Conversation;

public sealed class ChatTurnTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Chat_gets_stt_llm_tts_and_K_valid_opus_silence_frames()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "你好 there" }));

        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be("你好 there");
        turn.Sentence.Should().Be("You said: 你好 there");
        turn.Llm.Str("emotion").Should().Be("happy");
        turn.Llm.Str("text").Should().Be("😊");
        turn.Llm.Str("session_id").Should().Be(stream.SessionId);
        turn.Frames.Should().HaveCount(5, "Stub:SyntheticFrames defaults to 5");
        foreach (var frame in turn.Frames)
        {
            // RFC 6716 §3.1: TOC config 31 = CELT-only fullband 20 ms, c = 3 (code 3: M frames follow).
            (frame[0] >> 3).Should().Be(31);
            (frame[0] & 0x03).Should().Be(3);
            var count = frame[1] & 0x3F;
            (count * 20).Should().Be(60, "a 60 ms packet of 20 ms frames");
            (frame[1] & 0x80).Should().Be(0, "CBR");
            ((frame.Length - 2) % count).Should().Be(0, "CBR frames share the payload equally");
        }
    }

    [Test]
    public async Task Chat_after_a_pcm_hello_speaks_pcm_silence()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync("pcm");
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "hi" }));
        var turn = await stream.ReadTurnAsync();
        turn.Frames.Should().HaveCount(5).And.OnlyContain(f => f.Length == 1920 && f.All(b => b == 0), "60 ms of s16le at 16 kHz mono");
    }

    [Test]
    public async Task Every_server_json_carries_the_session_id()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "x" }));
        for (var i = 0; i < 4; i++)
        {
            (await stream.NextJsonAsync()).Str("session_id").Should().Be(stream.SessionId);
        }
    }

    [Test]
    public async Task Chat_without_text_is_a_999()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync("""{"type":"chat"}""");
        (await stream.NextErrorAsync()).ErrorCode.Should().Be("invalid_chat");
    }

    [Test]
    public async Task Two_chats_are_answered_in_order_without_interleaving()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "one" }));
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "two" }));
        (await stream.ReadTurnAsync()).SttText.Should().Be("one");
        (await stream.ReadTurnAsync()).SttText.Should().Be("two");
    }
}
