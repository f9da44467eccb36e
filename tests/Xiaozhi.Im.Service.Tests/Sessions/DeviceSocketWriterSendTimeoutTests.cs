using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// The writer's send timeout on a fake clock: a device that stops reading is cut off once a send has waited the
/// timeout, a send that had to wait but finished in time is not, and a session ending during a send is not counted as
/// a slow device. The frames are larger than the in-memory pipe's 64 KB pause threshold, so a send waits until the
/// device reads.
/// </summary>
public class DeviceSocketWriterSendTimeoutTests
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private static readonly byte[] LargeFrame = new byte[200_000];
    private InMemoryWebSocketPair _pair = null!;
    private FakeTimeProvider _clock = null!;
    private TestMetrics _metrics = null!;
    private DeviceSocketWriter _writer = null!;

    [SetUp]
    public void SetUp()
    {
        _pair = new InMemoryWebSocketPair();
        _clock = new FakeTimeProvider();
        _metrics = new TestMetrics();
        _writer = new DeviceSocketWriter(_pair.Server, NullLogger.Instance, SendTimeout, _clock, _metrics.Metrics);
    }

    [TearDown]
    public void TearDown()
    {
        _writer.Dispose();
        _pair.Dispose();
        _metrics.Dispose();
    }

    [Test]
    public async Task A_device_that_stops_reading_is_cut_off_when_a_send_has_waited_the_timeout()
    {
        var send = _writer.SendBinaryAsync(LargeFrame, CancellationToken.None).AsTask();
        send.IsCompleted.Should().BeFalse("the device reads nothing");
        _clock.Advance(SendTimeout - TimeSpan.FromMilliseconds(1));
        send.IsCompleted.Should().BeFalse("the timeout has not passed");

        _clock.Advance(TimeSpan.FromMilliseconds(1));

        (await send.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeFalse();
        _writer.StoppedReading.Should().BeTrue();
        _writer.SentClose.Should().Be(DeviceCloseReasons.SlowConsumer);
        _metrics.Figures.SlowConsumerCloses.Should().Be(1);
        _pair.Server.State.Should().Be(WebSocketState.Aborted);
        (await _writer.SendBinaryAsync(new byte[16], CancellationToken.None)).Should().BeFalse("nothing is written after the cut");
    }

    [Test]
    public async Task A_send_that_waited_but_finished_within_the_timeout_leaves_the_device_connected()
    {
        var send = _writer.SendBinaryAsync(LargeFrame, CancellationToken.None).AsTask();
        _clock.Advance(SendTimeout - TimeSpan.FromSeconds(1));
        send.IsCompleted.Should().BeFalse();
        await ReadMessageAsync(_pair.Device);
        (await send.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();

        _clock.Advance(SendTimeout * 2);

        _writer.StoppedReading.Should().BeFalse();
        _metrics.Figures.SlowConsumerCloses.Should().Be(0);
        _pair.Server.State.Should().Be(WebSocketState.Open);
        (await _writer.SendBinaryAsync(new byte[16], CancellationToken.None)).Should().BeTrue();
        (await ReadMessageAsync(_pair.Device)).Should().Be(16);
    }

    [Test]
    public async Task A_session_ending_during_a_send_ends_it_without_counting_a_slow_device()
    {
        using var session = new CancellationTokenSource();

        var send = _writer.SendBinaryAsync(LargeFrame, session.Token).AsTask();
        send.IsCompleted.Should().BeFalse();
        await session.CancelAsync();

        (await send.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeFalse();
        _writer.StoppedReading.Should().BeFalse();
        _metrics.Figures.SlowConsumerCloses.Should().Be(0);
        _writer.IsClosed.Should().BeTrue();
    }

    private static async Task<int> ReadMessageAsync(WebSocket device)
    {
        var buffer = new byte[LargeFrame.Length + 1024];
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await device.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
            count += result.Count;
        }
        while (!result.EndOfMessage);

        return count;
    }
}
