using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Tests.Upstream;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>Moves on the gateway's initiative, of a whole session on a fake clock: an endpoint being left, a GOAWAY busy limit.</summary>
public class SessionDepartureTests
{
    private const string Hello = """{"type":"hello","version":1,"transport":"websocket"}""";
    private const string ServerHello = """{"type":"hello","transport":"websocket","session_id":"a"}""";
    private const string TtsStart = """{"type":"tts","state":"start"}""";
    private const string TtsStop = """{"type":"tts","state":"stop"}""";

    // Real time for what must not happen (a loaded machine is slow to do what it should not do either).
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    [Test]
    public async Task An_idle_session_on_an_endpoint_being_left_moves_within_the_window_to_another_endpoint()
    {
        using var s = new SessionUnderTest(new MovesOptions { SpreadWindow = TimeSpan.FromSeconds(10) });
        using var other = FakeChatCall.Endpoint("http://127.0.0.1:2");
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(Hello));
        var next = SessionUnderTest.Control(FakeChatCall.On(other));
        s.Source.Next.Enqueue(next.Call);

        s.Source.Endpoint.Leave(EndpointDepartureReason.NotServing);
        await Task.Delay(QuietPeriod);
        s.Source.Calls.Should().Be(0, "its moment within the window has not come yet");
        await s.UntilAsync(() => s.Source.Opened.Count == 1, step: TimeSpan.FromMilliseconds(500));

        next.Call.Stream.Source.Should().BeSameAs(other);
        await s.UntilAsync(() => next.Call.Written.Count >= 1);
        next.WrittenTexts.Should().Equal(Hello);
        s.First.End();
        await s.UntilAsync(() => s.Metrics.Figures.Moves(MoveReasons.Of(EndpointDepartureReason.NotServing)) == 1);
        s.Metrics.Figures.Resumes.Should().Be(0);
        await DeviceLeavesAsync(s, running);
    }

    [Test]
    public async Task A_session_in_a_turn_on_an_endpoint_being_left_moves_only_when_the_turn_ends()
    {
        using var s = new SessionUnderTest(new MovesOptions { SpreadWindow = TimeSpan.FromSeconds(1) });
        var running = s.Session.RunAsync(CancellationToken.None);
        await SpeakingAsync(s);
        s.Source.Next.Enqueue(SessionUnderTest.Control(s.Source.NewCall()).Call);

        s.Source.Endpoint.Leave(EndpointDepartureReason.NotServing);
        s.Time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(QuietPeriod);
        s.Source.Calls.Should().Be(0, "the turn in progress finishes where it is");

        s.First.Send(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        await s.UntilAsync(() => s.Source.Opened.Count == 1);
        s.Source.Endpoint.Stay(EndpointDepartureReason.NotServing);
        s.First.End();
        await s.UntilAsync(() => s.Metrics.Figures.Migrations == 1);
        await DeviceLeavesAsync(s, running);
    }

    [Test]
    public async Task A_session_whose_endpoint_serves_again_before_its_turn_ended_stays()
    {
        using var s = new SessionUnderTest(new MovesOptions { SpreadWindow = TimeSpan.FromSeconds(1) });
        var running = s.Session.RunAsync(CancellationToken.None);
        await SpeakingAsync(s);
        s.Source.Next.Enqueue(SessionUnderTest.Control(s.Source.NewCall()).Call);
        s.Source.Endpoint.Leave(EndpointDepartureReason.NotServing);
        s.Time.Advance(TimeSpan.FromSeconds(5));

        s.Source.Endpoint.Stay(EndpointDepartureReason.NotServing).Should().BeTrue();
        s.First.Send(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        await Task.Delay(QuietPeriod);

        s.Source.Calls.Should().Be(0, "the endpoint serves again: no move");
        await s.DeviceSendsAsync("""{"type":"listen","state":"detect","text":"hi"}""");
        await s.UntilAsync(() => s.First.Call.Written.Count == 2);
        await s.Pair.Device.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        s.First.End();
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task A_session_busy_past_the_GOAWAY_limit_moves_anyway_and_the_device_is_told_its_answer_was_cut()
    {
        using var s = new SessionUnderTest(new MovesOptions { GoAwayBusyLimit = TimeSpan.FromSeconds(3) });
        var running = s.Session.RunAsync(CancellationToken.None);
        await SpeakingAsync(s);
        s.Source.Next.Enqueue(SessionUnderTest.Control(s.Source.NewCall()).Call);

        s.First.Call.Stream.Connection.OnConnectionGoingAway();
        s.Time.Advance(TimeSpan.FromSeconds(2.9));
        await Task.Delay(QuietPeriod);
        s.Source.Calls.Should().Be(0, "within the limit the turn may still end on the old stream");

        s.Time.Advance(TimeSpan.FromSeconds(0.2));
        await s.UntilAsync(() => s.Source.Opened.Count == 1);
        await s.UntilAsync(() => s.First.Call.Disposed);
        s.First.End(); // the fake's pending read, which a real call's disposal cancels
        (await s.DeviceReceivesAsync()).Should().Contain(DeviceAlertMessages.AnswerCut);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        await s.UntilAsync(() => s.Metrics.Figures.Moves(MoveReasons.GoAwayBusyLimit) == 1);
        s.Metrics.Figures.SynthesizedTtsStops.Should().Be(1);
        await DeviceLeavesAsync(s, running);
    }

    [Test]
    public async Task A_session_whose_turn_ends_within_the_GOAWAY_limit_moves_at_the_turn_end_without_a_cut()
    {
        using var s = new SessionUnderTest(new MovesOptions { GoAwayBusyLimit = TimeSpan.FromSeconds(3) });
        var running = s.Session.RunAsync(CancellationToken.None);
        await SpeakingAsync(s);
        s.Source.Next.Enqueue(SessionUnderTest.Control(s.Source.NewCall()).Call);

        s.First.Call.Stream.Connection.OnConnectionGoingAway();
        s.Time.Advance(TimeSpan.FromSeconds(1));
        s.First.Send(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        await s.UntilAsync(() => s.Source.Opened.Count == 1);
        s.First.End();
        await s.UntilAsync(() => s.Metrics.Figures.Moves(MoveReasons.GoAway) == 1);
        s.Time.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(QuietPeriod);

        s.Metrics.Figures.Moves(MoveReasons.GoAwayBusyLimit).Should().Be(0, "the limit's timer stopped with the move");
        s.Source.Calls.Should().Be(1);
        s.Metrics.Figures.SynthesizedTtsStops.Should().Be(0);
        await DeviceLeavesAsync(s, running);
    }

    private static async Task DeviceLeavesAsync(SessionUnderTest s, Task running)
    {
        await s.Pair.Device.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    private static async Task SpeakingAsync(SessionUnderTest s)
    {
        await s.DeviceSendsAsync(Hello);
        s.First.Send(ServerHello);
        (await s.DeviceReceivesAsync()).Should().Contain("\"session_id\":\"a\"");
        s.First.Send(TtsStart);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStart);
    }
}
