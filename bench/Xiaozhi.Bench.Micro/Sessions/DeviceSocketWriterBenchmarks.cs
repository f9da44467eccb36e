using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Bench.Micro.Sessions;

/// <summary>
/// What the session's single device writer costs per downlink frame (<see cref="DeviceSocketWriter.SendBinaryAsync"/>
/// with the default 10 s send timeout and a cancellable session token, as a session uses it), over a WebSocket whose
/// stream accepts every write at once (as a socket with room in its send buffer does): the writer's own work plus
/// the WebSocket's framing.
/// </summary>
[Config(typeof(MicroConfig))]
[MemoryDiagnoser]
public class DeviceSocketWriterBenchmarks
{
    private readonly byte[] _frame = new byte[160];
    private readonly CancellationTokenSource _session = new();
    private WebSocket _socket = null!;
    private DeviceSocketWriter _writer = null!;

    /// <summary>A server WebSocket over a sink, and its writer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _socket = WebSocket.CreateFromStream(new SinkStream(), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        _writer = new DeviceSocketWriter(_socket, NullLogger.Instance, TimeSpan.FromSeconds(10), TimeProvider.System, metrics: null);
    }

    /// <summary>Disposes both.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        _socket.Dispose();
        _session.Dispose();
    }

    /// <summary>One 160-byte binary frame (a 60 ms Opus packet).</summary>
    [Benchmark]
    public ValueTask<bool> SendBinary() => _writer.SendBinaryAsync(_frame, _session.Token);

    private sealed class SinkStream : Stream
    {
        public override bool CanRead => true; // WebSocket.CreateFromStream asks; nothing reads in this benchmark

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
