using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>
/// Fault injection, in process (tests) and over HTTP on the OTA port (<c>/stub/faults/...</c>, demos).
/// Initial values come from <c>Stub:Faults:*</c>.
/// </summary>
internal sealed class StubFaults
{
    private readonly StubSessionRegistry _sessions;
    private readonly ConnectionTracker _connections;
    private long _responseDelayTicks;
    private volatile bool _refuseNewStreams;
    private volatile bool _draining;
    private int _failAfter;
    private int _failEveryNthTurn;
    private long _turns;
    private readonly TurnCapacity _capacity;
    private CancellationTokenSource _drop = new();

    internal StubFaults(IOptions<StubFaultOptions> options, StubSessionRegistry sessions, ConnectionTracker connections)
    {
        var value = options.Value;
        _sessions = sessions;
        _connections = connections;
        ResponseDelay = TimeSpan.FromMilliseconds(value.ResponseDelayMs);
        RefuseNewStreams = value.RefuseNewStreams;
        FailStreamsAfterMessages = value.FailStreamAfterMessages;
        Draining = value.Draining;
        _capacity = new TurnCapacity(value.MaxConcurrentTurns);
        FailEveryNthTurn = value.FailEveryNthTurn;
    }

    /// <summary>Turns played at once over all sessions; 0 = no limit.</summary>
    public int MaxConcurrentTurns
    {
        get => _capacity.Capacity;
        set => _capacity.Capacity = value;
    }

    /// <summary>Turns playing now / waiting for a slot now.</summary>
    public (int Running, int Waiting) TurnLoad => (_capacity.Running, _capacity.Waiting);

    /// <summary>Every Nth turn over all sessions is answered with 999; null = never.</summary>
    public int? FailEveryNthTurn
    {
        get => Volatile.Read(ref _failEveryNthTurn) is > 0 and var n ? n : null;
        set => Volatile.Write(ref _failEveryNthTurn, value is > 0 ? value.Value : 0);
    }

    /// <summary>Counts a turn; true when it is one that <see cref="FailEveryNthTurn"/> fails (deterministic: the Nth, 2Nth, …).</summary>
    public bool NextTurnFails()
    {
        var count = Interlocked.Increment(ref _turns);
        return FailEveryNthTurn is { } n && count % n == 0;
    }

    /// <summary>Waits for a turn slot (<see cref="MaxConcurrentTurns"/>); disposing the result frees it.</summary>
    public Task<IDisposable> EnterTurnAsync(CancellationToken cancellationToken) => _capacity.EnterAsync(cancellationToken);

    /// <summary>Delay before every response written to any stream.</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>New <c>ChatStream</c> calls fail with <c>StatusCode.Unavailable</c>.</summary>
    public bool RefuseNewStreams
    {
        get => _refuseNewStreams;
        set => _refuseNewStreams = value;
    }

    /// <summary>A stream fails with <c>StatusCode.Internal</c> when it receives its Nth message (not processed); null = never.</summary>
    public int? FailStreamsAfterMessages
    {
        get => Volatile.Read(ref _failAfter) is > 0 and var n ? n : null;
        set => Volatile.Write(ref _failAfter, value is > 0 ? value.Value : 0);
    }

    /// <summary><c>HealthCheck</c> (and <c>grpc.health.v1</c>) answer NOT_SERVING.</summary>
    public bool Draining
    {
        get => _draining;
        set => _draining = value;
    }

    /// <summary>gRPC connections currently open.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Every open <c>ChatStream</c> ends at once with <c>StatusCode.Unavailable</c>.</summary>
    public void DropAllStreams()
    {
        var old = Interlocked.Exchange(ref _drop, new CancellationTokenSource());
        old.Cancel();
    }

    /// <summary>Sends a 999 error to the open session(s) with this id, or to every open session when null.</summary>
    public async Task SendErrorAsync(string? sessionId, string errorCode, string errorMessage)
    {
        var targets = _sessions.Live.Where(s => sessionId is null || s.SessionId == sessionId).ToArray();
        foreach (var session in targets)
        {
            if (session.Writer is { } writer)
            {
                try
                {
                    await writer.WriteAsync(ChatResponses.Error(errorCode, errorMessage, 0)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The stream ended meanwhile.
                }
                catch (InvalidOperationException)
                {
                    // The stream ended meanwhile.
                }
            }
        }
    }

    /// <summary>Aborts every open gRPC connection now, without a GOAWAY (a crashed backend, as the IM sees it).</summary>
    public void AbortAllConnections() => _connections.AbortAll();

    /// <summary>Sends a graceful HTTP/2 GOAWAY on every open gRPC connection now (streams in flight finish).</summary>
    public void GoAwayAllConnections() => _connections.GoAwayAll();

    /// <summary>Cancelled by <see cref="DropAllStreams"/>; each stream links to it when it opens.</summary>
    internal CancellationToken DropToken => Volatile.Read(ref _drop).Token;
}
