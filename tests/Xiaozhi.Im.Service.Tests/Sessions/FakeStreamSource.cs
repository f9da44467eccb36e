using System.Collections.Concurrent;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Upstream;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>A stream source that hands out fake calls (or none, like a pool with no connectable endpoint) and records its calls.</summary>
internal sealed class FakeStreamSource : IChatStreamSource, IDisposable
{
    private readonly AiEndpoint _endpoint;
    private TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    /// <summary>What the next calls return: a call to hand out, or null (no endpoint). When empty, a new call.</summary>
    public ConcurrentQueue<FakeChatCall?> Next { get; } = new();

    /// <summary>Every call handed out, in order.</summary>
    public ConcurrentQueue<FakeChatCall> Opened { get; } = new();

    /// <summary>How often a stream was asked for.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>When false, every call returns null once <see cref="Next"/> is empty (the AI service is down).</summary>
    public bool Serving { get; set; } = true;

    public Task EndpointRecovered => Volatile.Read(ref _recovered).Task;

    /// <summary>Hands out calls on <paramref name="endpoint"/> (owned: disposed with the source), or on a fresh one.</summary>
    public FakeStreamSource(AiEndpoint? endpoint = null) => _endpoint = endpoint ?? FakeChatCall.Endpoint();

    /// <summary>The endpoint of the calls it hands out.</summary>
    public AiEndpoint Endpoint => _endpoint;

    public FakeChatCall NewCall() => FakeChatCall.On(_endpoint);

    public void SignalRecovered() => Interlocked.Exchange(ref _recovered, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public Task<AiChatStream?> OpenChatStreamAsync(SessionMetadata session, CancellationToken cancellationToken, TimeSpan? connectTimeout = null)
    {
        Interlocked.Increment(ref _calls);
        var call = Next.TryDequeue(out var next) ? next : Serving ? NewCall() : null;
        if (call is not null)
        {
            Opened.Enqueue(call);
        }

        return Task.FromResult(call?.Stream);
    }

    public void Dispose() => _endpoint.Dispose();
}
