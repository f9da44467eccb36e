using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>The writer of an ended session: disposed, it writes nothing more (and releases its send timer).</summary>
public class DeviceSocketWriterDisposeTests
{
    [Test]
    public async Task A_disposed_writer_sends_nothing_more_and_a_late_close_is_refused()
    {
        using var pair = new InMemoryWebSocketPair();
        var server = pair.Server;
        var device = pair.Device;
        var writer = new DeviceSocketWriter(server, NullLogger.Instance, TimeSpan.FromSeconds(10), new FakeTimeProvider(), metrics: null);

        (await writer.SendTextAsync("{\"type\":\"tts\"}"u8.ToArray(), CancellationToken.None)).Should().BeTrue();
        var buffer = new byte[64];
        (await device.ReceiveAsync(buffer, CancellationToken.None)).Count.Should().Be(14, "the frame before the end arrives");

        writer.Dispose();

        writer.IsClosed.Should().BeTrue();
        (await writer.SendTextAsync("{\"type\":\"late\"}"u8.ToArray(), CancellationToken.None)).Should().BeFalse();
        (await writer.CloseAsync(Xiaozhi.Im.Service.Protocol.DeviceCloseReasons.Normal, CancellationToken.None)).Should().BeFalse();
        using var nothing = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await FluentActions.Awaiting(async () => await device.ReceiveAsync(buffer, nothing.Token)).Should().ThrowAsync<OperationCanceledException>("nothing was written after the dispose");
    }
}
