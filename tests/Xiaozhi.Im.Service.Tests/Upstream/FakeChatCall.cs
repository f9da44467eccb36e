using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>An <see cref="AiChatStream"/> over a fake duplex call that records its writes (no network).</summary>
internal sealed class FakeChatCall : IClientStreamWriter<ChatRequest>, IAsyncStreamReader<ChatResponse>
{
    private FakeChatCall(AiEndpoint endpoint)
    {
        var call = new AsyncDuplexStreamingCall<ChatRequest, ChatResponse>(
            this, this, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => Disposed = true);
        var connection = endpoint.ReserveConnection();
        Stream = new AiChatStream(call, connection, connection.GoAwayGeneration);
    }

    public AiChatStream Stream { get; }

    public ConcurrentQueue<ChatRequest> Written { get; } = new();

    /// <summary>Makes every following write throw (a broken stream).</summary>
    public bool Broken { get; set; }

    /// <summary>What a write throws while <see cref="Broken"/> (default: <see cref="RpcException"/> Unavailable).</summary>
    public Exception? WriteFailure { get; set; }

    public bool Disposed { get; private set; }

    public WriteOptions? WriteOptions { get; set; }

    /// <summary>Responses the stream delivers, in order, before <see cref="ReadEnd"/>.</summary>
    public Queue<ChatResponse> Responses { get; } = new();

    /// <summary>What a read after the last response returns (default: the AI service ended the stream).</summary>
    public Func<CancellationToken, Task<bool>> ReadEnd { get; set; } = _ => Task.FromResult(false);

    public ChatResponse Current { get; private set; } = new();

    /// <summary>An endpoint object that never connects (nothing is called on its channel).</summary>
    public static AiEndpoint Endpoint(string address = "http://127.0.0.1:1")
    {
        var options = new AiOptions();
        return new(new Uri(address), options, NullLoggerFactory.Instance, TimeProvider.System, ejector: null, 1, EndpointDepartures.On(TimeProvider.System, options));
    }

    public static FakeChatCall On(AiEndpoint endpoint) => new(endpoint);

    /// <summary>When set, a write completes only when the task it returns does (the message has been sent by then).</summary>
    public Func<Task>? WriteCompletion { get; set; }

    public Task WriteAsync(ChatRequest message)
    {
        if (Broken)
        {
            throw WriteFailure ?? new RpcException(new Status(StatusCode.Unavailable, "broken"));
        }

        Written.Enqueue(message);
        return WriteCompletion?.Invoke() ?? Task.CompletedTask;
    }

    public Task WriteAsync(ChatRequest message, CancellationToken cancellationToken) => WriteAsync(message);

    public Task CompleteAsync() => Task.CompletedTask;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (Responses.TryDequeue(out var next))
        {
            Current = next;
            return Task.FromResult(true);
        }

        return ReadEnd(cancellationToken);
    }
}
