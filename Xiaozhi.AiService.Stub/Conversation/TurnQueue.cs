using Xiaozhi.AiService.Stub.Sessions;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// The session's answers, played one after another in the background so <c>abort</c> and MCP responses are read
/// while one speaks; at most <c>Stub:MaxPendingTurns</c> wait. <c>abort</c> cancels every queued and playing turn;
/// later turns run under a fresh token.
/// </summary>
internal sealed partial class TurnQueue : IDisposable
{
    private readonly TurnPlayer _player;
    private readonly int _maxPending;
    private readonly StubSession _session;
    private readonly ILogger _logger;
    private readonly CancellationToken _streamToken;
    private readonly Lock _gate = new();
    private CancellationTokenSource _turns;
    private Task _chain = Task.CompletedTask;
    private int _pending;

    public TurnQueue(TurnPlayer player, int maxPending, StubSession session, ILogger logger, CancellationToken streamToken)
    {
        _player = player;
        _maxPending = maxPending;
        _session = session;
        _logger = logger;
        _streamToken = streamToken;
        _turns = CancellationTokenSource.CreateLinkedTokenSource(streamToken);
    }

    /// <summary>Cancelled by the next <c>abort</c> (or the stream's end): work started for the current turns.</summary>
    public CancellationToken Token
    {
        get
        {
            lock (_gate)
            {
                return _turns.Token;
            }
        }
    }

    /// <summary>Queues the turn behind the others; false (dropped) when <c>Stub:MaxPendingTurns</c> already wait.</summary>
    public bool TryEnqueue(StubTurn turn)
    {
        lock (_gate)
        {
            if (_pending >= _maxPending)
            {
                return false;
            }

            _pending++;
            var previous = _chain;
            var token = _turns.Token;
            _chain = Task.Run(() => PlayAfterAsync(previous, turn, token), CancellationToken.None);
            return true;
        }
    }

    /// <summary><c>abort</c>: cancels every queued and playing turn; returns once they will write nothing more.</summary>
    public async Task AbortAsync()
    {
        CancellationTokenSource old;
        lock (_gate)
        {
            old = _turns;
            _turns = CancellationTokenSource.CreateLinkedTokenSource(_streamToken);
        }

        // Every write of the old turns re-checks its token under the writer lock, so none follows the caller's next write.
        await old.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>The request stream ended: waits for the queued turns to finish, at most <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task chain;
        lock (_gate)
        {
            chain = _chain;
        }

        try
        {
            await chain.WaitAsync(timeout, _streamToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(_logger, _session.SessionId);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Cancels every turn; the task ends when the chain has (it never faults).</summary>
    public async Task StopAsync()
    {
        CancellationTokenSource turns;
        Task chain;
        lock (_gate)
        {
            turns = _turns;
            chain = _chain;
        }

        await turns.CancelAsync().ConfigureAwait(false);
        await chain.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _turns.Dispose();
        }
    }

    private async Task PlayAfterAsync(Task previous, StubTurn turn, CancellationToken token)
    {
        try
        {
            await previous.ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
            LogTurn(_logger, _session.SessionId, turn.Frames.Count);
            await _player.PlayAsync(turn, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // aborted, or the stream ended
        }
        catch (Exception ex)
        {
            LogTurnFailed(_logger, ex, _session.SessionId);
        }
        finally
        {
            lock (_gate)
            {
                _pending--;
            }
        }
    }
}
