using Grpc.Core;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One session's <c>ChatStream</c>. The uplink pump is its only writer and the downlink pump its only reader.
/// Disposing cancels the call if it is still running.
/// </summary>
public sealed class UpstreamChatStream : IDisposable
{
    private readonly AsyncDuplexStreamingCall<ChatRequest, ChatResponse> _call;
    private int _completed;

    /// <summary>Wraps an opened call.</summary>
    public UpstreamChatStream(AsyncDuplexStreamingCall<ChatRequest, ChatResponse> call, Uri endpoint)
    {
        _call = call;
        Endpoint = endpoint;
    }

    /// <summary>The endpoint the stream runs on.</summary>
    public Uri Endpoint { get; }

    /// <summary>Writes one request; completes when gRPC accepted it (flow control applies back-pressure).</summary>
    public Task WriteAsync(ChatRequest request, CancellationToken cancellationToken) =>
        _call.RequestStream.WriteAsync(request, cancellationToken);

    /// <summary>The responses, in order, until the AI service ends the stream (or it fails: <see cref="RpcException"/>).</summary>
    public IAsyncEnumerable<ChatResponse> ReadAllAsync(CancellationToken cancellationToken) =>
        _call.ResponseStream.ReadAllAsync(cancellationToken);

    /// <summary>Tells the AI service no more requests follow (once; failures ignored: the stream may be gone already).</summary>
    public async Task CompleteRequestsAsync()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        try
        {
            await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose() => _call.Dispose();
}
