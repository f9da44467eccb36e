namespace Xiaozhi.Im.Service.Sessions.Resume;

/// <summary>
/// The one value a resume decision ends in: the device's close reason, the log line and the drop counter all read it,
/// so none of them can disagree with another about why the session gave up or how much it lost.
/// </summary>
/// <param name="Kind">Resume, close instead, or give up.</param>
/// <param name="Reason">Why it gave up (only with <see cref="ResumeOutcomeKind.GiveUp"/>).</param>
/// <param name="Dropped">Device frames lost by giving up: the held ones, the one refused, and the unanswered ones kept for a replay.</param>
internal sealed record ResumeOutcome(ResumeOutcomeKind Kind, ResumeDropReason? Reason = null, long Dropped = 0)
{
    public static ResumeOutcome Resume { get; } = new(ResumeOutcomeKind.Resume);

    public static ResumeOutcome CloseInstead { get; } = new(ResumeOutcomeKind.CloseInstead);

    /// <summary>What the device is told in its close 1011.</summary>
    public string DeviceReason => Reason switch
    {
        ResumeDropReason.BufferFrames => "too many frames while reconnecting",
        ResumeDropReason.BufferBytes => "too many bytes while reconnecting",
        ResumeDropReason.BufferAge => "frames waited too long while reconnecting",
        ResumeDropReason.NodeBudget => "server short of memory while reconnecting",
        _ => "reconnect timed out",
    };
}
