using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Why a session wants to move on its own initiative, and the limits of that wish: off a connection that received
/// GOAWAY (at the next quiet moment, or after Ai:Moves:GoAwayBusyLimit at the latest, before the server's grace ends),
/// and off an endpoint that is being left (at the moment EndpointDeparture drew for it, then at the next quiet moment;
/// cancelled when the endpoint stops being left before the move started). The <see cref="SessionMover"/> does the move.
/// </summary>
internal sealed partial class MoveTriggers
{
    private readonly Lock _gate = new();
    private readonly SessionState _state;
    private readonly SessionSignal _signal;
    private readonly SessionLink _link;
    private readonly TimeProvider _timeProvider;
    private readonly MovesOptions _moves;
    private readonly ILogger _logger;
    private MoveCauses _causes;
    private EndpointDepartureReason _departureReason;
    private ITimer? _busyLimit;
    private IDisposable? _departureWatch;

    // Set before its connection and endpoint are watched, so an event for it is never mistaken for the previous one's.
    private AiChatStream? _watched;

    public MoveTriggers(SessionState state, SessionSignal signal, SessionLink link, TimeProvider timeProvider, MovesOptions moves, ILogger resumeLogger)
    {
        _state = state;
        _signal = signal;
        _link = link;
        _timeProvider = timeProvider;
        _moves = moves;
        _logger = resumeLogger;
    }

    /// <summary>Moves the GOAWAY and departure watches from <paramref name="previous"/>'s to <paramref name="next"/>'s (none when null).</summary>
    public void Watch(AiChatStream? previous, AiChatStream? next)
    {
        if (previous is not null)
        {
            previous.Connection.GoingAway -= OnConnectionGoingAway;
        }

        Interlocked.Exchange(ref _departureWatch, null)?.Dispose();
        if (next is not null)
        {
            _watched = next;
            next.Connection.GoingAway += OnConnectionGoingAway;
            _departureWatch = next.Source.Departure.Watch(OnEndpointLeaving, OnEndpointStays);
        }
    }

    /// <summary>
    /// A turn ended without a delivered answer while a move is wanted: the link is detached now so that the move finds
    /// the device's next frames kept. Under the gate: an endpoint that stops being left may cancel the wish meanwhile.
    /// </summary>
    public void OnUndeliveredTurnEnd()
    {
        lock (_gate)
        {
            if (_state.Phase == SessionPhase.MoveWanted)
            {
                _link.Detach();
                if (_state.TurnEndingDuringMove())
                {
                    _signal.Set();
                }
            }
        }
    }

    /// <summary>Why the move starting now was wanted (cleared, the busy-limit timer stopped): the metric's reason.</summary>
    public (MoveCauses Causes, EndpointDepartureReason Departure) Take()
    {
        lock (_gate)
        {
            var taken = (_causes, _departureReason);
            _causes = MoveCauses.None;
            _departureReason = EndpointDepartureReason.None;
            _busyLimit?.Dispose();
            _busyLimit = null;
            return taken;
        }
    }

    public static string ReasonOf(MoveCauses causes, EndpointDepartureReason departure) =>
        (causes & MoveCauses.GoAwayBusyLimit) != 0 ? Telemetry.MoveReasons.GoAwayBusyLimit
        : (causes & MoveCauses.GoAway) != 0 ? Telemetry.MoveReasons.GoAway
        : Telemetry.MoveReasons.Of(departure);

    private void OnConnectionGoingAway(AiConnection connection)
    {
        var stream = _watched;
        if (stream is null || !ReferenceEquals(stream.Connection, connection) || !stream.MayBeGoingAway)
        {
            return;
        }

        lock (_gate)
        {
            if (!_state.WantMove() && _state.Phase is not (SessionPhase.MoveWanted or SessionPhase.MoveNow))
            {
                return;
            }

            _causes |= MoveCauses.GoAway;

            // The server closes the connection when its grace ends, cutting whatever is still open on it: a session busy
            // for longer than the bound moves anyway (see OnGoAwayBusyLimit).
            _busyLimit ??= _timeProvider.CreateTimer(static s => ((MoveTriggers)s!).OnGoAwayBusyLimit(), this, _moves.GoAwayBusyLimit, Timeout.InfiniteTimeSpan);
        }

        _signal.Set();
    }

    private void OnGoAwayBusyLimit()
    {
        lock (_gate)
        {
            if (_state.Phase != SessionPhase.MoveWanted || (_causes & MoveCauses.GoAway) == 0)
            {
                return;
            }

            _link.Detach();
            _ = _state.TurnEndingDuringMove();
            _causes |= MoveCauses.GoAwayBusyLimit;
        }

        LogGoAwayBusyLimit(_logger, _watched!.Endpoint, _moves.GoAwayBusyLimit);
        _signal.Set();
    }

    private void OnEndpointLeaving(EndpointDepartureReason reason)
    {
        lock (_gate)
        {
            if (!_state.WantMove() && _state.Phase is not (SessionPhase.MoveWanted or SessionPhase.MoveNow))
            {
                return;
            }

            _causes |= MoveCauses.Departure;
            _departureReason = reason;
        }

        _signal.Set();
    }

    private void OnEndpointStays()
    {
        lock (_gate)
        {
            // Only a move wanted for the departure alone, and not yet due: a turn that ended already detached the link.
            if (_causes == MoveCauses.Departure && _state.CancelWantedMove())
            {
                _causes = MoveCauses.None;
            }
        }
    }
}
