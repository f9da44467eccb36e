namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The session's <see cref="SessionPhase"/> and its transitions, thread-safe: the connection's GOAWAY, the downlink's
/// turn end and the host's drain change it from their own threads, the supervisor acts on it. A drain wins over a
/// move; <see cref="SessionPhase.Closing"/> is final.
/// </summary>
internal sealed class SessionState
{
    private int _phase;

    public SessionPhase Phase => (SessionPhase)Volatile.Read(ref _phase);

    public bool IsDraining => Phase is SessionPhase.Draining or SessionPhase.DrainTurnEnded or SessionPhase.Closing;

    /// <summary>True when a move is due: wanted and the session is idle, or the turn is ending.</summary>
    public bool MoveDue(bool idle) => Phase switch
    {
        SessionPhase.MoveWanted => idle,
        SessionPhase.MoveNow => true,
        _ => false,
    };

    /// <summary>True when the drain close is due: draining and idle, or the turn in progress ended.</summary>
    public bool DrainCloseDue(bool idle) => Phase switch
    {
        SessionPhase.Draining => idle,
        SessionPhase.DrainTurnEnded => true,
        _ => false,
    };

    /// <summary>The stream's connection is going away; true when this starts a move (the supervisor is to be woken).</summary>
    public bool WantMove() => Move(SessionPhase.Serving, SessionPhase.MoveWanted);

    /// <summary>The turn is ending on a connection that is going away; true when the move is now due.</summary>
    public bool TurnEndingDuringMove() => Move(SessionPhase.MoveWanted, SessionPhase.MoveNow);

    /// <summary>A wanted move is no longer wanted (its endpoint is serving again); true when it was wanted and not yet due.</summary>
    public bool CancelWantedMove() => Move(SessionPhase.MoveWanted, SessionPhase.Serving);

    /// <summary>A new stream is being opened (resume or move): a wanted move is done with.</summary>
    public void MoveStarted()
    {
        _ = Move(SessionPhase.MoveWanted, SessionPhase.Serving) || Move(SessionPhase.MoveNow, SessionPhase.Serving);
    }

    /// <summary>The host drains; true when this started the drain.</summary>
    public bool BeginDrain()
    {
        while (true)
        {
            var phase = Phase;
            if (phase is not (SessionPhase.Serving or SessionPhase.MoveWanted or SessionPhase.MoveNow))
            {
                return false;
            }

            if (Move(phase, SessionPhase.Draining))
            {
                return true;
            }
        }
    }

    /// <summary>The turn in progress reached the device's end while draining; true when the close is now due.</summary>
    public bool TurnEndedDuringDrain() => Move(SessionPhase.Draining, SessionPhase.DrainTurnEnded);

    /// <summary>Enters <see cref="SessionPhase.Closing"/>; returns the phase it left (<see cref="SessionPhase.Closing"/>: it already was).</summary>
    public SessionPhase Close() => (SessionPhase)Interlocked.Exchange(ref _phase, (int)SessionPhase.Closing);

    private bool Move(SessionPhase from, SessionPhase to) =>
        Interlocked.CompareExchange(ref _phase, (int)to, (int)from) == (int)from;
}
