using System.IO.Pipelines;
using System.Net.WebSockets;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>A server WebSocket and the device's end of it over in-memory pipes (no socket).</summary>
public sealed class InMemoryWebSocketPair : IDisposable
{
    /// <summary>Creates both ends.</summary>
    public InMemoryWebSocketPair()
    {
        var toDevice = new Pipe();
        var fromDevice = new Pipe();
        Server = WebSocket.CreateFromStream(new DuplexStream(fromDevice.Reader.AsStream(), toDevice.Writer.AsStream()), new WebSocketCreationOptions { IsServer = true });
        Device = WebSocket.CreateFromStream(new DuplexStream(toDevice.Reader.AsStream(), fromDevice.Writer.AsStream()), new WebSocketCreationOptions { IsServer = false });
    }

    /// <summary>The gateway's end.</summary>
    public WebSocket Server { get; }

    /// <summary>The device's end.</summary>
    public WebSocket Device { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Server.Dispose();
        Device.Dispose();
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
