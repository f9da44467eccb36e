namespace Xiaozhi.Im.Service.Sessions.Resume;

/// <summary>What the <see cref="ResumePolicy"/> decided for a session whose stream is gone.</summary>
internal enum ResumeOutcomeKind
{
    /// <summary>Open a new stream (backoff, replay, held frames flushed).</summary>
    Resume,

    /// <summary>Do not resume: the device is being closed anyway (host draining, or its close already sent).</summary>
    CloseInstead,

    /// <summary>Stop resuming: a limit or the deadline passed; the device gets <c>alert</c> + close 1011.</summary>
    GiveUp,
}
