namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// Sessions that move to another stream on the gateway's own initiative, not because their stream broke (section
/// <c>Ai:Moves</c>): off an endpoint that is being left, and off a connection that received GOAWAY.
/// </summary>
internal sealed class MovesOptions
{
    /// <summary>
    /// The sessions of an endpoint being left (NOT_SERVING, retired from DNS, ejected) each move at a random moment
    /// within this window, at their next quiet moment after it: the other endpoints are not hit by a burst. Default 10 s.
    /// </summary>
    public TimeSpan SpreadWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A session on a connection that received GOAWAY moves when its turn ends, or after this long at the latest even
    /// mid-turn (the turn's answer still comes from the old stream until the server closes the connection). Keep it
    /// below the server's grace (the Go service's 5 s). Default 3 s.
    /// </summary>
    public TimeSpan GoAwayBusyLimit { get; set; } = TimeSpan.FromSeconds(3);
}
