using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Admission;

/// <summary>
/// The idle policy counts the conversation on a fake clock: AI frames and an answer in progress keep a listening device,
/// silence on both sides still closes it a full idle timeout after the last frame of either side.
/// </summary>
public class DeviceActivityMonitorConversationTests
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);
    private FakeTimeProvider _time = null!;
    private ConversationLedger _ledger = null!;
    private AiActivity _ai = null!;
    private RecordingSession _session = null!;
    private DeviceActivityMonitor _monitor = null!;
    private TestMetrics _metrics = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _ledger = new ConversationLedger(256, 1 << 20, NullLogger.Instance, long.MaxValue, NodeBufferBudget.Unlimited);
        _ai = new AiActivity(_time, _ledger);
        _session = new RecordingSession();
        _metrics = new TestMetrics();
        var options = new AdmissionOptions { IdleTimeout = IdleTimeout, HelloTimeout = TimeSpan.FromHours(1), MessagesPerSecond = 1000, MessageBurst = 1000 };
        // No writer: these policies close without an alert.
        _monitor = new DeviceActivityMonitor(options, TimeSpan.FromSeconds(1), _time, NullLogger.Instance, _metrics.Metrics, _session, writer: null!, _ai);
    }

    [TearDown]
    public void TearDown()
    {
        _monitor.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public void Silence_on_both_sides_closes_the_session_when_the_idle_timeout_ends()
    {
        _time.Advance(IdleTimeout - TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().BeEmpty();

        _time.Advance(TimeSpan.FromMilliseconds(1));

        _session.Closes.Should().ContainSingle().Which.Reason.Should().Be("idle for 10 s");
        _monitor.ClosedBy.Should().Be("Idle");
    }

    [Test]
    public void Ai_frames_keep_a_silent_device_and_the_quiet_period_runs_from_the_last_one()
    {
        for (var second = 1; second <= 30; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _ai.NoteFrame();                           // the AI sends something every second; the device says nothing
        }

        _session.Closes.Should().BeEmpty("the AI sent a frame 0 s ago, 30 s after the device's last frame");

        _time.Advance(IdleTimeout - TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().BeEmpty("the AI's last frame was 9.999 s ago");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().ContainSingle("a full idle timeout passed since the AI's last frame");
    }

    [Test]
    public void An_answer_in_progress_is_not_idle_even_when_the_ai_pauses_longer_than_the_timeout()
    {
        _time.Advance(TimeSpan.FromSeconds(5));
        Speak("start");
        _time.Advance(IdleTimeout * 4);                // e.g. a tool call in the middle of the answer: no frame for 40 s
        _session.Closes.Should().BeEmpty("the AI said tts start and not yet tts stop");

        Speak("stop");                                 // t = 45 s
        _ledger.StopSpeaking();
        _time.Advance(IdleTimeout - TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().BeEmpty("the tts stop came 9.999 s ago");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().ContainSingle("the answer ended a full idle timeout ago and nobody spoke since");
    }

    [Test]
    public void The_later_of_the_device_and_the_ai_decides()
    {
        _time.Advance(TimeSpan.FromSeconds(4));
        _ai.NoteFrame();                               // t = 4 s
        _time.Advance(TimeSpan.FromSeconds(4));
        _monitor.OnReceived(WebSocketMessageType.Binary, endOfMessage: true, Encoding.UTF8.GetBytes("opus")); // t = 8 s
        _time.Advance(TimeSpan.FromSeconds(9.999));
        _session.Closes.Should().BeEmpty("the device's frame 9.999 s ago is the later one");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().ContainSingle();
    }

    private void Speak(string state)
    {
        var json = Encoding.UTF8.GetBytes($$"""{"type":"tts","state":"{{state}}"}""");
        _ledger.NoteServerText(JsonMessageTypeSniffer.Sniff(json), json);
        _ai.NoteFrame();
    }

    private sealed class RecordingSession : IDeviceSession
    {
        public List<DeviceClose> Closes { get; } = [];

        public string DeviceId => "aa:bb:cc:dd:ee:ff";

        public string SessionId => "s-1";

        public Task CloseAsync(DeviceClose close)
        {
            Closes.Add(close);
            return Task.CompletedTask;
        }
    }
}
