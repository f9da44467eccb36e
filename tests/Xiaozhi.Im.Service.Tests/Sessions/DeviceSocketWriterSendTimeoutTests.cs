using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

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

    [Test]
    public async Task A_device_that_stops_reading_is_cut_off_when_a_send_has_waited_the_timeout()
    {
        using var pair = new InMemoryWebSocketPair();
        var clock = new FakeTimeProvider();
        var counters = new SessionDropCounters();
        using var writer = new DeviceSocketWriter(pair.Server, NullLogger.Instance, SendTimeout, clock, counters);

        var send = writer.SendBinaryAsync(LargeFrame, CancellationToken.None).AsTask();
        send.IsCompleted.Should().BeFalse("the device reads nothing");
        clock.Advance(SendTimeout - TimeSpan.FromMilliseconds(1));
        send.IsCompleted.Should().BeFalse("the timeout has not passed");

        clock.Advance(TimeSpan.FromMilliseconds(1));

        (await send.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeFalse();
        writer.StoppedReading.Should().BeTrue();
        writer.SentClose.Should().Be(DeviceCloseReasons.SlowConsumer);
        counters.SlowConsumerCloses.Should().Be(1);
        pair.Server.State.Should().Be(WebSocketState.Aborted);
        (await writer.SendBinaryAsync(new byte[16], CancellationToken.None)).Should().BeFalse("nothing is written after the cut");
    }

    [Test]
    public async Task A_send_that_waited_but_finished_within_the_timeout_leaves_the_device_connected()
    {
        using var pair = new InMemoryWebSocketPair();
        var clock = new FakeTimeProvider();
        var counters = new SessionDropCounters();
        using var writer = new DeviceSocketWriter(pair.Server, NullLogger.Instance, SendTimeout, clock, counters);

        var send = writer.SendBinaryAsync(LargeFrame, CancellationToken.None).AsTask();
        clock.Advance(SendTimeout - TimeSpan.FromSeconds(1));
        send.IsCompleted.Should().BeFalse();
        await ReadMessageAsync(pair.Device);
        (await send.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();

        clock.Advance(SendTimeout * 2);

        writer.StoppedReading.Should().BeFalse();
        counters.SlowConsumerCloses.Should().Be(0);
        pair.Server.State.Should().Be(WebSocketState.Open);
        (await writer.SendBinaryAsync(new byte[16], CancellationToken.None)).Should().BeTrue();
        (await ReadMessageAsync(pair.Device)).Should().Be(16);
    }

    [Test]
    public async Task A_session_ending_during_a_send_ends_it_without_counting_a_slow_device()
    {
        using var pair = new InMemoryWebSocketPair();
        var clock = new FakeTimeProvider();
        var counters = new SessionDropCounters();
        using var session = new CancellationTokenSource();
        using var writer = new DeviceSocketWriter(pair.Server, NullLogger.Instance, SendTimeout, clock, counters);

        var send = writer.SendBinaryAsync(LargeFrame, session.Token).AsTask();
        send.IsCompleted.Should().BeFalse();
        await session.CancelAsync();

        (await send.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeFalse();
        writer.StoppedReading.Should().BeFalse();
        counters.SlowConsumerCloses.Should().Be(0);
        writer.IsClosed.Should().BeTrue();
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
