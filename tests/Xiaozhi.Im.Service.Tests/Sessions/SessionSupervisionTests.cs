using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>Resume, move off GOAWAY and drain of a whole session, on a fake clock with fake streams.</summary>
public class SessionSupervisionTests
{
    private const string Hello = """{"type":"hello","version":1,"transport":"websocket"}""";
    private const string ServerHello = """{"type":"hello","transport":"websocket","session_id":"a"}""";
    private const string TtsStart = """{"type":"tts","state":"start"}""";
    private const string TtsStop = """{"type":"tts","state":"stop"}""";

    // Real time for what must not happen (a loaded machine is slow to do what it should not do either).
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    [Test]
    public async Task A_lost_stream_is_resumed_after_its_backoff_with_the_devices_hello_replayed()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(Hello));

        s.First.End();
        await Task.Delay(QuietPeriod);
        s.Source.Calls.Should().Be(0, "the backoff (50-100 ms) has not passed on the fake clock");
        s.Time.Advance(TimeSpan.FromMilliseconds(100));
        await s.UntilAsync(() => s.Source.Opened.Count == 1);
        var next = s.Source.Opened.Single();
        await s.UntilAsync(() => next.Written.Count >= 1);

        next.Written.Single().MessageData.ToStringUtf8().Should().Be(Hello);
        s.First.Call.Disposed.Should().BeTrue();
        await s.UntilAsync(() => s.Metrics.Figures.Resumes == 1);
        s.Metrics.Figures.Migrations.Should().Be(0);
        await s.Pair.Device.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task An_idle_session_on_a_connection_going_away_moves_at_once_and_the_old_stream_is_drained()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(Hello));

        s.First.Call.Stream.Connection.OnConnectionGoingAway();
        await s.UntilAsync(() => s.Source.Opened.Count == 1);
        var next = SessionUnderTest.Control(s.Source.Opened.Single());
        await s.UntilAsync(() => next.Call.Written.Count >= 1);
        next.WrittenTexts.Should().Equal(Hello);
        s.First.Call.Disposed.Should().BeFalse("the old stream's last responses still reach the device");

        s.First.Send("""{"type":"llm","text":"last words"}""");
        (await s.DeviceReceivesAsync()).Should().Contain("last words");
        s.First.End();
        await s.UntilAsync(() => s.First.Call.Disposed);
        s.Source.Calls.Should().Be(1, "a move, not a resume");
        await s.UntilAsync(() => s.Metrics.Figures.Migrations == 1);
        s.Metrics.Figures.Resumes.Should().Be(0);

        await s.DeviceSendsAsync("""{"type":"listen","state":"detect","text":"hi"}""");
        await s.UntilAsync(() => next.Call.Written.Count == 2);
        s.First.Call.Written.Should().HaveCount(1, "the device's frames go to the new stream after the move");
        await s.Pair.Device.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task A_session_speaking_on_a_connection_going_away_moves_when_the_turn_ends()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        s.First.Send(ServerHello);
        (await s.DeviceReceivesAsync()).Should().Contain("\"session_id\":\"a\"");
        s.First.Send(TtsStart);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStart);

        s.First.Call.Stream.Connection.OnConnectionGoingAway();
        await Task.Delay(QuietPeriod);
        s.Source.Calls.Should().Be(0, "the AI is speaking: the move waits for the turn's end");

        s.First.Send(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        await s.UntilAsync(() => s.Source.Opened.Count == 1);
        s.First.End();
        await s.Pair.Device.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task A_drain_closes_an_idle_session_with_1001_at_once()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        await s.UntilAsync(() => s.First.WrittenTexts.Contains(Hello));

        var drained = s.Session.DrainAsync(CancellationToken.None);

        (await s.DeviceReceivesAsync()).Should().Be("close 1001");
        await drained.WaitAsync(s.Timeout);
        await s.Pair.Device.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        s.First.End();
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task A_drain_waits_for_the_turn_in_progress_then_closes_with_1001()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        await s.DeviceSendsAsync(Hello);
        s.First.Send(TtsStart);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStart);

        var drained = s.Session.DrainAsync(CancellationToken.None);
        await Task.Delay(QuietPeriod);
        drained.IsCompleted.Should().BeFalse("the AI is speaking");

        s.First.Send(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStop);
        (await s.DeviceReceivesAsync()).Should().Be("close 1001");
        await drained.WaitAsync(s.Timeout);
        s.Source.Calls.Should().Be(0);
        await s.Pair.Device.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        s.First.End();
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }

    [Test]
    public async Task A_drain_that_reaches_its_deadline_in_a_turn_closes_anyway()
    {
        using var s = new SessionUnderTest();
        var running = s.Session.RunAsync(CancellationToken.None);
        s.First.Send(TtsStart);
        (await s.DeviceReceivesAsync()).Should().Be(TtsStart);
        using var deadline = new CancellationTokenSource();

        var drained = s.Session.DrainAsync(deadline.Token);
        await deadline.CancelAsync();

        (await s.DeviceReceivesAsync()).Should().Be("close 1001");
        await drained.WaitAsync(s.Timeout);
        await s.Pair.Device.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, s.Timeout);
        s.First.End();
        await s.UntilAsync(() => running.IsCompleted, step: TimeSpan.FromMilliseconds(100));
    }
}
