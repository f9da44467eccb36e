using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Admission;

/// <summary>The idle policy on a fake clock: a device is closed a full idle timeout after its last message, never before.</summary>
public class DeviceActivityMonitorIdleTests
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);
    private FakeTimeProvider _time = null!;
    private RecordingSession _session = null!;
    private DeviceActivityMonitor _monitor = null!;
    private TestMetrics _metrics = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _session = new RecordingSession();
        _metrics = new TestMetrics();
        var options = new AdmissionOptions { IdleTimeout = IdleTimeout, HelloTimeout = TimeSpan.FromHours(1), MessagesPerSecond = 1000, MessageBurst = 1000 };
        // No writer: these policies close without an alert.
        _monitor = new DeviceActivityMonitor(options, TimeSpan.FromSeconds(1), _time, NullLogger.Instance, _metrics.Metrics, _session, writer: null!, ai: null);
    }

    [TearDown]
    public void TearDown()
    {
        _monitor.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public void A_silent_device_is_closed_when_the_idle_timeout_ends()
    {
        _time.Advance(IdleTimeout - TimeSpan.FromMilliseconds(1));
        _session.Closes.Should().BeEmpty();

        _time.Advance(TimeSpan.FromMilliseconds(1));

        _session.Closes.Should().ContainSingle().Which.Status.Should().Be(WebSocketCloseStatus.NormalClosure);
        _monitor.ClosedBy.Should().Be("Idle");
    }

    [Test]
    public void Each_message_restarts_the_quiet_period_from_its_own_time()
    {
        _time.Advance(TimeSpan.FromSeconds(9));
        Receive();                                     // t = 9 s: quiet until 19 s now
        _time.Advance(TimeSpan.FromSeconds(1));        // t = 10 s: the first deadline passes
        _session.Closes.Should().BeEmpty("a message came 1 s ago");

        _time.Advance(TimeSpan.FromSeconds(5));
        Receive();                                     // t = 15 s: quiet until 25 s
        _time.Advance(TimeSpan.FromSeconds(9.999));    // t = 24.999 s
        _session.Closes.Should().BeEmpty("the last message was 9.999 s ago");

        _time.Advance(TimeSpan.FromMilliseconds(1));   // t = 25 s
        _session.Closes.Should().ContainSingle("a full idle timeout passed since the last message");
    }

    [Test]
    public void A_close_frame_is_not_activity()
    {
        _time.Advance(TimeSpan.FromSeconds(9));
        _monitor.OnReceived(WebSocketMessageType.Close, endOfMessage: true, []);
        _time.Advance(TimeSpan.FromSeconds(1));

        _session.Closes.Should().ContainSingle();
    }

    private void Receive() => _monitor.OnReceived(WebSocketMessageType.Binary, endOfMessage: true, Encoding.UTF8.GetBytes("opus"));

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
