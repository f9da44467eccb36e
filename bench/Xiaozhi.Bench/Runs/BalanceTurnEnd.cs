namespace Xiaozhi.Bench.Runs;

/// <summary>How a turn of the balancing run ended for the device.</summary>
public enum BalanceTurnEnd
{
    /// <summary>tts stop (forwarded or synthesized).</summary>
    Stopped,

    /// <summary>An alert (e.g. the AI's 999) before any tts stop.</summary>
    Alert,

    /// <summary>The gateway closed the WebSocket.</summary>
    Closed,

    /// <summary>Nothing ended it within the turn limit.</summary>
    TimedOut,
}
