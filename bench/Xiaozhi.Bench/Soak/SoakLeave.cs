namespace Xiaozhi.Bench.Soak;

/// <summary>How a soak device's connection ends.</summary>
internal enum SoakLeave
{
    /// <summary>The device closes (1000) and stays away a while.</summary>
    Close,

    /// <summary>The device walks away without a close frame and reconnects at once (a board that lost power).</summary>
    Abandon,

    /// <summary>The server ended it (a close frame or a reset): reconnect after a short back-off.</summary>
    ServerEnded,

    /// <summary>The run is over: close.</summary>
    Stop,
}
