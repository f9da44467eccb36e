using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

// Why a session wants to move on its own initiative, and the limits of that wish: off a connection that received
// GOAWAY (at the next quiet moment, or after Ai:Moves:GoAwayBusyLimit at the latest, before the server's grace ends),
// and off an endpoint that is being left (at the moment EndpointDeparture drew for it, then at the next quiet moment;
// cancelled when the endpoint stops being left before the move started).
internal sealed partial class Session
{
    private readonly Lock _moveGate = new();
    private MoveCauses _moveCauses;
    private EndpointDepartureReason _departureReason;
    private ITimer? _busyLimit;
    private IDisposable? _departureWatch;

    [Flags]
    private enum MoveCauses
    {
        None = 0,
        GoAway = 1,
        GoAwayBusyLimit = 2,
        Departure = 4,
    }

    private void OnConnectionGoingAway(AiConnection connection)
    {
        var stream = _stream;
        if (!ReferenceEquals(stream.Connection, connection) || !stream.MayBeGoingAway)
        {
            return;
        }

        lock (_moveGate)
        {
            if (!_state.WantMove() && _state.Phase is not (SessionPhase.MoveWanted or SessionPhase.MoveNow))
            {
                return;
            }

            _moveCauses |= MoveCauses.GoAway;

            // The server closes the connection when its grace ends, cutting whatever is still open on it: a session busy
            // for longer than the bound moves anyway (see OnGoAwayBusyLimit).
            _busyLimit ??= _timeProvider.CreateTimer(static s => ((Session)s!).OnGoAwayBusyLimit(), this, _moves.GoAwayBusyLimit, Timeout.InfiniteTimeSpan);
        }

        _signal.Set();
    }

    private void OnGoAwayBusyLimit()
    {
        lock (_moveGate)
        {
            if (_state.Phase != SessionPhase.MoveWanted || (_moveCauses & MoveCauses.GoAway) == 0)
            {
                return;
            }

            _link.Detach();
            _ = _state.TurnEndingDuringMove();
            _moveCauses |= MoveCauses.GoAwayBusyLimit;
        }

        LogGoAwayBusyLimit(_resumeLogger, _stream.Endpoint, _moves.GoAwayBusyLimit);
        _signal.Set();
    }

    private void OnEndpointLeaving(EndpointDepartureReason reason)
    {
        lock (_moveGate)
        {
            if (!_state.WantMove() && _state.Phase is not (SessionPhase.MoveWanted or SessionPhase.MoveNow))
            {
                return;
            }

            _moveCauses |= MoveCauses.Departure;
            _departureReason = reason;
        }

        _signal.Set();
    }

    private void OnEndpointStays()
    {
        lock (_moveGate)
        {
            // Only a move wanted for the departure alone, and not yet due: a turn that ended already detached the link.
            if (_moveCauses == MoveCauses.Departure && _state.CancelWantedMove())
            {
                _moveCauses = MoveCauses.None;
            }
        }
    }

    /// <summary>Why the move starting now was wanted (cleared, the busy-limit timer stopped): the metric's reason.</summary>
    private (MoveCauses Causes, EndpointDepartureReason Departure) TakeMoveCauses()
    {
        lock (_moveGate)
        {
            var taken = (_moveCauses, _departureReason);
            _moveCauses = MoveCauses.None;
            _departureReason = EndpointDepartureReason.None;
            _busyLimit?.Dispose();
            _busyLimit = null;
            return taken;
        }
    }

    private static string MoveReason(MoveCauses causes, EndpointDepartureReason departure) =>
        (causes & MoveCauses.GoAwayBusyLimit) != 0 ? Telemetry.MoveReasons.GoAwayBusyLimit
        : (causes & MoveCauses.GoAway) != 0 ? Telemetry.MoveReasons.GoAway
        : Telemetry.MoveReasons.Of(departure);
}
