using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

public sealed class ChatAndTextTests
{
    private static Gateway Gateway => SharedGateway.Instance;

    [Test]
    public async Task Chat_gets_stt_llm_and_a_spoken_sentence_with_audio()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();

        var reply = await device.ChatAsync("今天天气怎么样");

        reply.Sequence.Should().Equal("stt", "llm", "tts:start", "tts:sentence_start", "tts:sentence_end", "tts:stop");
        reply.SttText.Should().Be("今天天气怎么样");
        reply.SentenceText.Should().Be("You said: 今天天气怎么样");
        reply.Single("llm").Get("emotion").Should().Be("happy");
        reply.Audio.Should().NotBeEmpty().And.OnlyContain(a => a.Length > 0);
    }

    [Test]
    public async Task Non_json_text_is_echoed_unchanged()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();

        await device.SendTextAsync("ping 123 {not json");

        var echo = await device.ReceiveAsync();
        echo.IsText.Should().BeTrue();
        echo.Text.Should().Be("ping 123 {not json");
    }

    [Test]
    public async Task Messages_with_session_id_missing_or_empty_work_the_same()
    {
        await using var device = await DeviceClient.ConnectAsync(Gateway);
        await device.HelloAsync();

        await device.SendTextAsync("""{"type":"chat","text":"one"}""");
        var first = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));
        await device.SendTextAsync("""{"session_id":"","type":"chat","text":"two"}""");
        var second = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));
        await device.SendTextAsync("""{"session_id":"not-the-real-one","type":"chat","text":"three"}""");
        var third = new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));

        (first.SttText, second.SttText, third.SttText).Should().Be(("one", "two", "three"));
    }

    [Test]
    public async Task Text_frames_reach_the_ai_byte_exact_not_reserialised()
    {
        E2eTarget.RequireInProcess("reads the stub's recorded requests");
        var sessionId = "exact-" + Guid.NewGuid().ToString("N");
        await using var device = await DeviceClient.ConnectAsync(Gateway, new DeviceConnectOptions { SessionId = sessionId });
        // Odd spacing, key order and an escaped unicode: re-serialising would change these bytes.
        const string Hello = "{ \"version\" : 1,\"type\":\"hello\",  \"features\":{\"mcp\":false}, \"note\":\"\\u4f60\" }";

        await device.SendTextAsync(Hello);
        await device.ReceiveUntilTypeAsync("hello");

        var session = await Gateway.StubSessions.WaitForSessionAsync(sessionId, TimeSpan.FromSeconds(5));
        System.Text.Encoding.UTF8.GetString(session.Requests[0].Data.Span).Should().Be(Hello);
    }
}
