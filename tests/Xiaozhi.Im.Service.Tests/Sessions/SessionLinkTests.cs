using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Tests.Telemetry;
using Xiaozhi.Im.Service.Tests.Upstream;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

public class SessionLinkTests
{
    private static readonly ChatSessionIdentity Identity = new("s-1", "aa:bb", "c-1");
    private readonly FakeTimeProvider _time = new();
    private TestMetrics _metrics = null!;
    private AiEndpoint _endpoint = null!;

    [SetUp]
    public void SetUp()
    {
        _endpoint = FakeChatCall.Endpoint();
        _metrics = new TestMetrics();
    }

    [TearDown]
    public void TearDown()
    {
        _endpoint.Dispose();
        _metrics.Dispose();
    }

    private static ChatRequest Text(string json) =>
        ChatRequests.Create(Identity, ChatFrameKind.Text, ByteString.CopyFromUtf8(json), 1);

    private static ChatRequest Audio(byte value) =>
        ChatRequests.Create(Identity, ChatFrameKind.Binary, ByteString.CopyFrom(value, value), 1);

    private static IEnumerable<string> Shape(IEnumerable<ChatRequest> requests) =>
        requests.Select(r => r.GetKind() == ChatFrameKind.Text ? r.MessageData.ToStringUtf8() : "audio " + r.MessageData[0]);

    // What the upstream noted of the conversation (the latest Upstream(...) made).
    private ConversationLedger _ledger = null!;

    private SessionLink Upstream(FakeChatCall first, ResumeOptions? options = null)
    {
        options ??= new ResumeOptions();
        _ledger = new ConversationLedger(options.MaxReplayFrames, options.MaxReplayBytes, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        var policy = new ResumePolicy(options, _time, _metrics.Metrics, NullLogger.Instance);
        return new(first.Stream, _ledger, policy, new SessionSignal(), _time, NullLogger.Instance, NodeBufferBudget.Unlimited);
    }

    [Test]
    public async Task A_listen_stop_kept_while_resuming_still_gets_the_turns_listen_start_replayed_before_it()
    {
        const string Hello = """{"type":"hello","version":1}""";
        const string Start = """{"type":"listen","state":"start","mode":"manual"}""";
        const string Stop = """{"type":"listen","state":"stop"}""";
        var old = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(old);
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);

        old.Broken = true;
        await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Audio(3), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Text(Stop), UplinkFrameTag.ListenStop, CancellationToken.None);
        upstream.IsBroken.Should().BeTrue();
        upstream.BufferedFrames.Should().Be(3);

        var replay = _ledger.BuildReplay(4242, afterLostStream: false, out var replaysHello);
        var next = FakeChatCall.On(_endpoint);
        (await upstream.AttachAsync(next.Stream, replay, null, CancellationToken.None)).Should().BeTrue();
        await upstream.WriteAsync(Audio(4), UplinkFrameTag.Other, CancellationToken.None);

        replaysHello.Should().BeTrue();
        Shape(next.Written).Should().Equal(Hello, Start, "audio 2", "audio 3", Stop, "audio 4");
        next.Written.Take(2).Should().OnlyContain(r => r.Timestamp == 4242 && r.DeviceId == "aa:bb" && r.SessionId == "s-1" && r.ClientId == "c-1");
        _metrics.Figures.TotalDropped.Should().Be(0);
    }

    [Test]
    public async Task After_a_lost_stream_the_unanswered_utterance_is_replayed_whole_and_a_move_replays_only_its_start()
    {
        const string Hello = """{"type":"hello"}""";
        const string Start = """{"type":"listen","state":"start","mode":"manual"}""";
        const string Stop = """{"type":"listen","state":"stop"}""";
        var old = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(old);
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);

        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello, Start, "audio 1", "audio 2");
        Shape(_ledger.BuildReplay(7, afterLostStream: false, out _)).Should().Equal(new[] { Hello, Start }, "the old stream still has the audio when the session only moves");

        await upstream.WriteAsync(Text(Stop), UplinkFrameTag.ListenStop, CancellationToken.None);
        await upstream.WriteAsync(Audio(3), UplinkFrameTag.Other, CancellationToken.None);
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(
            new[] { Hello, Start, "audio 1", "audio 2", Stop }, "a stopped utterance not yet answered is replayed with its stop, and nothing after it");

        _ledger.NoteAiAnswer();
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(new[] { Hello }, "the AI service had the utterance: it answered");

        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Audio(4), UplinkFrameTag.Other, CancellationToken.None);
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello, Start, "audio 4");
    }

    [Test]
    public async Task An_unanswered_chat_is_replayed_after_a_lost_stream_in_the_listening_state_it_came_in()
    {
        const string Hello = """{"type":"hello"}""";
        const string Chat = """{"type":"chat","text":"what time is it"}""";
        const string Start = """{"type":"listen","state":"start","mode":"realtime"}""";
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first);
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text(Chat), UplinkFrameTag.Request, CancellationToken.None);

        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello, Chat);
        Shape(_ledger.BuildReplay(7, afterLostStream: false, out _)).Should().Equal(new[] { Hello }, "a move leaves the chat to the old stream, which has it");

        _ledger.NoteAiAnswer();
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(new[] { Hello }, "the AI service answered it");

        // Typed while listening in realtime mode, after the previous utterance was answered: the listen start goes
        // first, so the resumed stream is listening too.
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        _ledger.NoteAiAnswer();
        await upstream.WriteAsync(Text(Chat), UplinkFrameTag.Request, CancellationToken.None);
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello, Start, Chat);

        // Typed in the middle of a spoken utterance nobody answered yet: both, in order.
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Text(Chat), UplinkFrameTag.Request, CancellationToken.None);
        await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello, Start, "audio 1", Chat, "audio 2");
    }

    [Test]
    public async Task A_chat_the_AI_service_answers_before_its_write_completes_is_not_replayed_after_a_lost_stream()
    {
        // The answer can overtake the write's completion: the AI service replies as soon as the request arrives, while
        // the uplink's continuation after the write still waits for a thread.
        const string Hello = """{"type":"hello"}""";
        const string Chat = """{"type":"chat","text":"a long answer"}""";
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first);
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first.WriteCompletion = () => sent.Task;

        var write = upstream.WriteAsync(Text(Chat), UplinkFrameTag.Request, CancellationToken.None).AsTask();
        _ledger.NoteAiAnswer(); // its stt
        sent.SetResult();
        (await write).Should().BeTrue();

        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(new[] { Hello }, "the chat was answered: replaying it would answer it twice");
    }

    [Test]
    public async Task A_request_too_large_to_replay_is_reported_lost_once_until_the_AI_service_answers_or_a_new_turn_starts()
    {
        const string Hello = """{"type":"hello"}""";
        const string Small = """{"type":"chat","text":"hi"}""";
        const string Start = """{"type":"listen","state":"start","mode":"manual"}""";
        var large = """{"type":"image","image_data":{"format":"png","data":""" + "\"" + new string('A', 2_000) + "\"}}";
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first, new ResumeOptions { MaxHeldBytes = 1_024, MaxReplayBytes = 1_024 });
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text(Small), UplinkFrameTag.Request, CancellationToken.None);
        _ledger.TakeRequestLost().Should().BeFalse("a request that fits is replayed instead");

        _ledger.NoteAiAnswer();
        await upstream.WriteAsync(Text(large), UplinkFrameTag.Request, CancellationToken.None);
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello);
        _ledger.TakeRequestLost().Should().BeTrue();
        _ledger.TakeRequestLost().Should().BeFalse("the device is told once");

        await upstream.WriteAsync(Text(large), UplinkFrameTag.Request, CancellationToken.None);
        _ledger.NoteAiAnswer();
        _ledger.TakeRequestLost().Should().BeFalse("the AI service answered it");

        await upstream.WriteAsync(Text(large), UplinkFrameTag.Request, CancellationToken.None);
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        _ledger.TakeRequestLost().Should().BeFalse("the device moved on to a new turn");
    }

    [Test]
    public async Task A_chat_kept_in_an_open_utterance_that_then_grows_too_long_is_reported_lost_not_dropped_silently()
    {
        // Realtime listening: the device's chat joins the open utterance, and its audio goes on until the utterance no
        // longer fits the resume limits. The chat is not replayed then, so the device must hear that it was lost.
        const string Hello = """{"type":"hello"}""";
        const string Start = """{"type":"listen","state":"start","mode":"realtime"}""";
        const string Chat = """{"type":"chat","text":"what time is it"}""";
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first, new ResumeOptions { MaxHeldFrames = 4, MaxReplayFrames = 4 });
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Text(Chat), UplinkFrameTag.Request, CancellationToken.None);
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        _ledger.TakeRequestLost().Should().BeFalse("the chat still fits and would be replayed");
        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().Equal(Hello, Start, Chat, "audio 1");

        await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Audio(3), UplinkFrameTag.Other, CancellationToken.None);

        Shape(_ledger.BuildReplay(7, afterLostStream: true, out _)).Should().NotContain(Chat);
        _ledger.TakeRequestLost().Should().BeTrue("the chat went with the utterance that grew too long");
        _ledger.TakeRequestLost().Should().BeFalse("the device is told once");
    }

    [Test]
    public async Task Audio_overflowing_an_utterance_without_a_request_reports_no_lost_request()
    {
        const string Hello = """{"type":"hello"}""";
        const string Start = """{"type":"listen","state":"start","mode":"realtime"}""";
        const string Chat = """{"type":"chat","text":"an earlier turn's question"}""";
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first, new ResumeOptions { MaxHeldFrames = 2, MaxReplayFrames = 2 });
        await upstream.WriteAsync(Text(Hello), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text(Chat), UplinkFrameTag.Request, CancellationToken.None);
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);

        _ledger.TakeRequestLost().Should().BeFalse("only audio of the turn was not kept; the earlier turn's chat was left behind by the new turn");
    }

    [Test]
    public async Task A_write_the_HTTP2_layer_refused_is_kept_for_the_next_stream_not_thrown_at_the_session()
    {
        // grpc-dotnet lets HttpClient's own exception through when the server refuses the stream (REFUSED_STREAM).
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first);
        first.Broken = true;
        first.WriteFailure = new HttpRequestException("The request was aborted.", new HttpProtocolException(7, "REFUSED_STREAM", null));

        (await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None)).Should().BeTrue("kept");

        upstream.IsBroken.Should().BeTrue();
        upstream.BufferedFrames.Should().Be(1);
    }

    [Test]
    public async Task An_utterance_longer_than_the_resume_limits_falls_back_to_replaying_its_listen_start()
    {
        const string Start = """{"type":"listen","state":"start","mode":"realtime"}""";
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first, new ResumeOptions { MaxHeldFrames = 3, MaxReplayFrames = 3 });
        await upstream.WriteAsync(Text(Start), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);
        Shape(_ledger.BuildReplay(1, afterLostStream: true, out _)).Should().Equal(Start, "audio 1", "audio 2");

        await upstream.WriteAsync(Audio(3), UplinkFrameTag.Other, CancellationToken.None);
        await upstream.WriteAsync(Audio(4), UplinkFrameTag.Other, CancellationToken.None);

        Shape(_ledger.BuildReplay(1, afterLostStream: true, out _)).Should().Equal(Start);
    }

    [Test]
    public async Task After_a_finished_turn_only_the_hello_is_replayed_and_nothing_when_the_device_never_said_hello()
    {
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first);
        _ledger.BuildReplay(1, afterLostStream: false, out var replaysHello).Should().BeEmpty();
        replaysHello.Should().BeFalse();

        await upstream.WriteAsync(Text("""{"type":"hello"}"""), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text("""{"type":"listen","state":"start"}"""), UplinkFrameTag.ListenStart, CancellationToken.None);
        await upstream.WriteAsync(Text("""{"type":"listen","state":"stop"}"""), UplinkFrameTag.ListenStop, CancellationToken.None);

        Shape(_ledger.BuildReplay(1, afterLostStream: false, out replaysHello)).Should().Equal("""{"type":"hello"}""");
        replaysHello.Should().BeTrue();
    }

    [Test]
    public async Task Kept_frames_own_their_bytes_the_caller_may_reuse_its_buffer()
    {
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first);
        upstream.Detach();
        var receiveBuffer = Encoding.UTF8.GetBytes("""{"type":"listen","state":"start"}""");
        await upstream.WriteAsync(ChatRequests.Create(Identity, ChatFrameKind.Text, ByteString.CopyFrom(receiveBuffer), 1), UplinkFrameTag.ListenStart, CancellationToken.None);
        Array.Fill(receiveBuffer, (byte)0);

        var next = FakeChatCall.On(_endpoint);
        (await upstream.AttachAsync(next.Stream, [], null, CancellationToken.None)).Should().BeTrue();

        Shape(next.Written).Should().Equal("""{"type":"listen","state":"start"}""");
        Shape(_ledger.BuildReplay(1, afterLostStream: false, out _)).Should().Equal("""{"type":"listen","state":"start"}""");
    }

    [Test]
    public async Task Past_the_frame_limit_the_upstream_fails_and_every_kept_frame_is_counted_as_dropped()
    {
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first, new ResumeOptions { MaxHeldFrames = 2, MaxReplayFrames = 2 });
        upstream.Detach();
        (await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None)).Should().BeTrue();
        (await upstream.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None)).Should().BeTrue();

        (await upstream.WriteAsync(Audio(3), UplinkFrameTag.Other, CancellationToken.None)).Should().BeFalse();
        (await upstream.WriteAsync(Audio(4), UplinkFrameTag.Other, CancellationToken.None)).Should().BeFalse();

        upstream.Failure.Should().Be(ResumeDropReason.BufferFrames);
        _metrics.Figures.Dropped(ResumeDropReason.BufferFrames).Should().Be(4);
        (await upstream.AttachAsync(FakeChatCall.On(_endpoint).Stream, [], null, CancellationToken.None)).Should().BeFalse();
    }

    [Test]
    public async Task Frames_kept_past_the_age_limit_fail_the_attach_with_BufferAge()
    {
        var first = FakeChatCall.On(_endpoint);
        using var upstream = Upstream(first, new ResumeOptions { MaxBufferAge = TimeSpan.FromSeconds(2) });
        upstream.Detach();
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(3));

        var next = FakeChatCall.On(_endpoint);
        (await upstream.AttachAsync(next.Stream, [], null, CancellationToken.None)).Should().BeFalse();

        next.Written.Should().BeEmpty();
        upstream.Failure.Should().Be(ResumeDropReason.BufferAge);
        _metrics.Figures.Dropped(ResumeDropReason.BufferAge).Should().Be(1);
    }

    [Test]
    public async Task A_resume_timeout_counts_the_kept_frames_and_a_session_end_counts_what_is_left()
    {
        var upstream = Upstream(FakeChatCall.On(_endpoint));
        upstream.Detach();
        await upstream.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        upstream.Fail(ResumeDropReason.ResumeTimeout);
        upstream.FailedToken.IsCancellationRequested.Should().BeTrue();
        _metrics.Figures.Dropped(ResumeDropReason.ResumeTimeout).Should().Be(1);
        upstream.Dispose();

        using var other = Upstream(FakeChatCall.On(_endpoint));
        other.Detach();
        await other.WriteAsync(Audio(1), UplinkFrameTag.Other, CancellationToken.None);
        await other.WriteAsync(Audio(2), UplinkFrameTag.Other, CancellationToken.None);
        other.Close();
        _metrics.Figures.Dropped(ResumeDropReason.SessionEnded).Should().Be(2);
    }

    [Test]
    public async Task A_request_that_reached_a_stream_lost_before_the_answer_counts_as_dropped_when_the_resume_times_out()
    {
        // The write can complete into a stream the AI service has already ended (the client has not read its end yet):
        // the request is then kept only for the replay, and a resume that never comes loses it.
        var upstream = Upstream(FakeChatCall.On(_endpoint));
        await upstream.WriteAsync(Text("""{"type":"hello","version":1}"""), UplinkFrameTag.Hello, CancellationToken.None);
        await upstream.WriteAsync(Text("""{"type":"chat","text":"lost"}"""), UplinkFrameTag.Request, CancellationToken.None);
        upstream.Detach();

        upstream.Fail(ResumeDropReason.ResumeTimeout);

        _metrics.Figures.Dropped(ResumeDropReason.ResumeTimeout).Should().Be(1, "the unanswered chat, not the hello");
        upstream.Dispose();
    }

    [Test]
    public async Task An_answered_request_is_not_counted_as_dropped_when_a_later_resume_times_out()
    {
        using var upstream = Upstream(FakeChatCall.On(_endpoint));
        await upstream.WriteAsync(Text("""{"type":"chat","text":"answered"}"""), UplinkFrameTag.Request, CancellationToken.None);
        _ledger.NoteAiAnswer();
        upstream.Detach();

        upstream.Fail(ResumeDropReason.ResumeTimeout);

        _metrics.Figures.TotalDropped.Should().Be(0);
    }
}
