namespace Xiaozhi.DeviceSim.Stats;

/// <summary>The latencies the simulator records (all in microseconds).</summary>
public enum LatencyMetric
{
    /// <summary>Echoed audio frame: receive time minus the time the frame was actually sent.</summary>
    RoundTrip = 0,

    /// <summary>Echoed audio frame: receive time minus the time the schedule intended to send it (coordinated omission corrected).</summary>
    RoundTripIntended = 1,

    /// <summary>WebSocket connect (TCP + upgrade incl. auth and the upstream stream open) until the socket is open.</summary>
    Connect = 2,

    /// <summary>Connect plus hello until the server hello arrived.</summary>
    ConnectToHello = 3,

    /// <summary>Voice/chat turn: end of the user's turn (listen stop or chat sent) until the first reply frame, from the actual send.</summary>
    TurnReply = 4,

    /// <summary>The same from the intended end of the turn.</summary>
    TurnReplyIntended = 5,
}
