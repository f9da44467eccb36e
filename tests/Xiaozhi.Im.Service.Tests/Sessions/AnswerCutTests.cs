using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// A stream lost while the AI answered: the device is told (alert, then <c>tts stop</c>); a stream lost between turns
/// or before the AI answered (the request is replayed) is not a cut answer and gets no alert.
/// </summary>
public class AnswerCutTests
{
    private const string Hello = """{"type":"hello","version":1,"transport":"websocket"}""";
    private const string Stt = """{"type":"stt","text":"what time is it"}""";
    private const string TtsStart = """{"type":"tts","state":"start"}""";
    private const string TtsStop = """{"type":"tts","state":"stop"}""";
    private const string Chat = """{"type":"chat","text":"what time is it"}""";

    // Real time for what must not happen (a loaded machine is slow to do what it should not do either).
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(300);

    [Test]
    public async Task A_stream_lost_while_the_AI_speaks_gets_the_device_an_alert_then_a_tts_stop()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await ChatDeliveredAsync(s);
        s.First.Send(Stt);
        (await s.DeviceReceivesAsync()).Should().Be(Stt);
        s.First.Send(TtsStart);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStart);

        var next = NextStream(s);
        s.First.End();

        var alert = DeviceConversationJson(await s.DeviceReceivesAsync());
        alert.GetProperty("type").GetString().Should().Be("alert");
        alert.GetProperty("message").GetString().Should().Be(DeviceAlertMessages.AnswerLost);
        alert.GetProperty("status").GetString().Should().Be("error");
        alert.GetProperty("emotion").GetString().Should().Be("sad");
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop, "the firmware leaves speaking");
        s.Metrics.Figures.AnswersCut.Should().Be(1);
        s.Metrics.Figures.SynthesizedTtsStops.Should().Be(1);

        // The answered chat is not replayed: no other stream would finish the answer.
        s.Time.Advance(TimeSpan.FromMilliseconds(200));
        await s.UntilAsync(() => s.Metrics.Figures.Resumes == 1);
        next.WrittenTexts.Should().NotContain(Chat);
        await LeaveAsync(s, running, next);
    }

    [Test]
    public async Task A_stream_lost_after_the_stt_before_the_AI_speaks_is_a_cut_answer_too()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await ChatDeliveredAsync(s);
        s.First.Send(Stt);
        (await s.DeviceReceivesAsync()).Should().Be(Stt);

        var next = NextStream(s);
        s.First.End();

        (await s.DeviceReceivesAsync()).Should().Contain(DeviceAlertMessages.AnswerLost);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        s.Metrics.Figures.AnswersCut.Should().Be(1);
        await LeaveAsync(s, running, next);
    }

    [Test]
    public async Task A_stream_lost_after_the_turn_ended_tells_the_device_nothing()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await ChatDeliveredAsync(s);
        s.First.Send(Stt);
        (await s.DeviceReceivesAsync()).Should().Be(Stt);
        s.First.Send(TtsStart);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStart);
        s.First.Send(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);

        var next = NextStream(s);
        s.First.End();
        s.Time.Advance(TimeSpan.FromMilliseconds(200));
        await s.UntilAsync(() => s.Metrics.Figures.Resumes == 1, step: TimeSpan.FromMilliseconds(50));

        await ExpectNothingAsync(s);
        s.Metrics.Figures.AnswersCut.Should().Be(0);
        s.Metrics.Figures.SynthesizedTtsStops.Should().Be(0);
        await LeaveAsync(s, running, next);
    }

    [Test]
    public async Task A_stream_lost_before_the_AI_answered_replays_the_request_and_tells_the_device_nothing()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        await s.DeviceSendsAsync(Chat);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(Chat));

        var next = NextStream(s);
        s.First.End();
        s.Time.Advance(TimeSpan.FromMilliseconds(200));
        await s.UntilAsync(() => next.WrittenTexts.Contains(Chat), step: TimeSpan.FromMilliseconds(50));

        await ExpectNothingAsync(s);
        s.Metrics.Figures.AnswersCut.Should().Be(0, "the new stream answers the replayed request");
        await LeaveAsync(s, running, next);
    }

    [Test]
    public async Task An_AI_error_ends_the_answer_a_later_lost_stream_does_not_cut_it_again()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await ChatDeliveredAsync(s);
        s.First.Send(Stt);
        (await s.DeviceReceivesAsync()).Should().Be(Stt);
        s.First.Call.Responses.Enqueue(new Grpc.Proto.ChatResponse
        {
            ResponseType = (int)Grpc.Proto.ChatFrameKind.Error,
            ResponseData = Google.Protobuf.ByteString.CopyFromUtf8("""{"error_code":"LLM_DOWN","error_message":"The model is down"}"""),
        });
        s.First.Reads.Release();
        (await s.DeviceReceivesAsync()).Should().Contain("The model is down");

        var next = NextStream(s);
        s.First.End();
        s.Time.Advance(TimeSpan.FromMilliseconds(200));
        await s.UntilAsync(() => s.Metrics.Figures.Resumes == 1, step: TimeSpan.FromMilliseconds(50));

        await ExpectNothingAsync(s);
        s.Metrics.Figures.AnswersCut.Should().Be(0, "the device was told by the AI's own alert");
        await LeaveAsync(s, running, next);
    }

    [Test]
    public async Task A_device_that_moved_on_to_a_new_turn_is_not_told_of_the_old_answer()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await ChatDeliveredAsync(s);
        s.First.Send(Stt);
        (await s.DeviceReceivesAsync()).Should().Be(Stt);
        const string ListenStart = """{"type":"listen","state":"start","mode":"manual"}""";
        await s.DeviceSendsAsync(ListenStart);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(ListenStart));

        var next = NextStream(s);
        s.First.End();
        await s.UntilAsync(() => next.WrittenTexts.Contains(ListenStart), step: TimeSpan.FromMilliseconds(50));

        await ExpectNothingAsync(s);
        s.Metrics.Figures.AnswersCut.Should().Be(0, "the device left that answer for a new turn");
        await LeaveAsync(s, running, next);
    }

    /// <summary>The device's chat reached the AI service (what the AI then says answers it).</summary>
    private static async Task ChatDeliveredAsync(SessionUnderTest s)
    {
        await s.DeviceSendsAsync(Chat);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(Chat));
    }

    /// <summary>The stream a resume gets: its reads wait for the test, like the first one's.</summary>
    private static SessionUnderTest.StreamControl NextStream(SessionUnderTest s)
    {
        var next = SessionUnderTest.Control(s.Source.NewCall());
        s.Source.Next.Enqueue(next.Call);
        return next;
    }

    private static System.Text.Json.JsonElement DeviceConversationJson(string text)
    {
        using var document = System.Text.Json.JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>No message reaches the device within the quiet period.</summary>
    private static async Task ExpectNothingAsync(SessionUnderTest s)
    {
        using var quiet = new CancellationTokenSource(QuietPeriod);
        var buffer = new byte[4096];
        var receive = s.Pair.Device.ReceiveAsync(buffer, quiet.Token);
        try
        {
            var result = await receive;
            Assert.Fail($"the device got {System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count)}");
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task LeaveAsync(SessionUnderTest s, Task running, SessionUnderTest.StreamControl? next = null)
    {
        if (s.Pair.Device.State == System.Net.WebSockets.WebSocketState.Open)
        {
            await s.Pair.Device.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        }

        next?.End();

        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }
}
