namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Where a session is between its normal run, a move off a closing connection, a host drain and its close.</summary>
internal enum SessionPhase
{
    /// <summary>Running on its stream.</summary>
    Serving,

    /// <summary>The stream's connection received GOAWAY: move at the next idle moment.</summary>
    MoveWanted,

    /// <summary>The turn in progress is ending: move now (the device's next frame goes to the new stream).</summary>
    MoveNow,

    /// <summary>The host drains: close with 1001 at the next idle moment.</summary>
    Draining,

    /// <summary>Draining, and the turn in progress has ended: close now.</summary>
    DrainTurnEnded,

    /// <summary>The drain close was sent (or is not needed: the device is being closed anyway). Final.</summary>
    Closing,
}
