using Grpc.Core;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Sessions;

/// <summary>
/// The single writer of one gRPC response stream. Turns, MCP, the VAD timer and fault injection all write through it;
/// writes are serialised by a semaphore, and a turn's write is checked against the turn's token <em>under</em> the
/// lock, so nothing of an aborted turn can follow the <c>tts stop</c> written after the abort.
/// </summary>
internal sealed class StubResponseWriter(IServerStreamWriter<ChatResponse> stream, StubFaults faults, TimeProvider time, CancellationToken streamToken)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _closed;

    /// <summary>The stub's faults (a turn asks them for its slot and whether it fails).</summary>
    public StubFaults Faults => faults;

    /// <summary>Writes one response; throws <see cref="OperationCanceledException"/> if the turn was cancelled or the stream is over.</summary>
    public async Task WriteAsync(ChatResponse response, CancellationToken turnToken = default)
    {
        await _lock.WaitAsync(streamToken).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                throw new OperationCanceledException("The response stream is closed.");
            }

            var delay = faults.ResponseDelay;
            if (delay > TimeSpan.Zero)
            {
                using var both = CancellationTokenSource.CreateLinkedTokenSource(streamToken, turnToken);
                await Task.Delay(delay, time, both.Token).ConfigureAwait(false);
            }

            turnToken.ThrowIfCancellationRequested();
            response.Timestamp = time.GetUtcNow().ToUnixTimeMilliseconds();
            await stream.WriteAsync(response, streamToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>No write starts after this returns (waits for one in flight).</summary>
    public async Task CloseAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        _closed = true;
        _lock.Release();
    }
}
