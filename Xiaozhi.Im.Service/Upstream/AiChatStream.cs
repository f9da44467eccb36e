using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One ChatStream of a session. The session's uplink (or, while it resumes, the session itself — never both) is its
/// only writer and one downlink pump its only reader. Disposing cancels the call if it is still running.
/// </summary>
internal sealed class AiChatStream : IDisposable
{
    private readonly AsyncDuplexStreamingCall<ChatRequest, ChatResponse> _call;
    private readonly AiConnection _connection;
    private readonly long _goAwayGenerationAtOpen;
    private readonly long _lossGenerationAtOpen;
    private int _completed;
    private int _disposed;

    /// <summary>
    /// Wraps an opened call on <paramref name="connection"/>, taking over the stream slot
    /// <see cref="AiEndpoint.ReserveConnection"/> counted (released on dispose); <paramref name="goAwayGenerationAtOpen"/>
    /// is the connection's GOAWAY generation before the call started.
    /// </summary>
    public AiChatStream(AsyncDuplexStreamingCall<ChatRequest, ChatResponse> call, AiConnection connection, long goAwayGenerationAtOpen)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _call = call;
        _connection = connection;
        _goAwayGenerationAtOpen = goAwayGenerationAtOpen;
        _lossGenerationAtOpen = connection.LossGeneration;
    }

    /// <summary>The endpoint the stream runs on.</summary>
    public Uri Endpoint => _connection.Endpoint.Address;

    /// <summary>The endpoint object the stream runs on.</summary>
    public AiEndpoint Source => _connection.Endpoint;

    /// <summary>The pooled connection the stream runs on.</summary>
    public AiConnection Connection => _connection;

    /// <summary>
    /// True when the stream's connection was lost after the stream opened, and that loss was already reported once for
    /// all its streams (warning 3012): the session's own lines about this stream then go to Debug.
    /// </summary>
    public bool LostWithItsConnection => _connection.LossGeneration > _lossGenerationAtOpen;

    /// <summary>How loud a session's line about this stream's end is: Debug when its connection's loss was reported.</summary>
    public LogLevel EndLogLevel(LogLevel otherwise) => LostWithItsConnection ? LogLevel.Debug : otherwise;

    /// <summary>True when the stream's connection received GOAWAY after the stream opened: it is closing.</summary>
    public bool MayBeGoingAway => _connection.GoAwayGeneration > _goAwayGenerationAtOpen;

    /// <summary>Writes one request; completes when gRPC accepted it (flow control applies back-pressure).</summary>
    public Task WriteAsync(ChatRequest request, CancellationToken cancellationToken) =>
        _call.RequestStream.WriteAsync(request, cancellationToken);

    /// <summary>
    /// Reads the next response into <see cref="Current"/>: true, or false when the AI service ended the stream; a failed
    /// stream faults the task with <see cref="RpcException"/>. The caller may inspect the task instead of awaiting it
    /// with a rethrow (a backend restart fails every session's read at once, and each rethrow is a stack walk).
    /// </summary>
    public Task<bool> MoveNextAsync(CancellationToken cancellationToken) =>
        _call.ResponseStream.MoveNext(cancellationToken);

    /// <summary>The response the last successful <see cref="MoveNextAsync"/> read.</summary>
    public ChatResponse Current => _call.ResponseStream.Current;

    /// <summary>
    /// Waits for the AI service's response headers: proof that it accepted the stream (a refused stream fails here with
    /// <see cref="RpcException"/>). Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async Task ConfirmAcceptedAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await _call.ResponseHeadersAsync.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
    }

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
        catch (Exception ex) when (IsStreamFailure(ex))
        {
        }
    }

    /// <summary>
    /// The ways a read, write or completion of a ChatStream fails when the stream or its connection is gone — what a
    /// session resumes from (anything else is a bug and propagates). Besides gRPC's <see cref="RpcException"/>, the
    /// HTTP/2 layer's own exceptions reach the caller unwrapped, e.g. an <see cref="HttpRequestException"/> when the
    /// server refused the stream (REFUSED_STREAM: more streams than it allows on a fresh connection).
    /// </summary>
    public static bool IsStreamFailure(Exception error) =>
        error is RpcException or HttpRequestException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _connection.StreamClosed();
            _call.Dispose();
        }
    }
}
