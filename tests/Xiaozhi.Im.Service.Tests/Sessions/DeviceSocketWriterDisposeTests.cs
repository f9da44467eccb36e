using System.IO.Pipelines;
using System.Net.WebSockets;
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
        var toDevice = new Pipe();
        var fromDevice = new Pipe();
        using var server = WebSocket.CreateFromStream(new DuplexStream(fromDevice.Reader.AsStream(), toDevice.Writer.AsStream()), new WebSocketCreationOptions { IsServer = true });
        using var device = WebSocket.CreateFromStream(new DuplexStream(toDevice.Reader.AsStream(), fromDevice.Writer.AsStream()), new WebSocketCreationOptions { IsServer = false });
        var writer = new DeviceSocketWriter(server, NullLogger.Instance, TimeSpan.FromSeconds(10), new FakeTimeProvider());

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

    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => write.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
