namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Process-wide counters of the resilience paths (one instance per host, thread-safe): device frames dropped per
/// <see cref="ResumeDropReason"/>, resumes, GOAWAY migrations, failed resumes and slow-consumer closes. Meant to be
/// exported as metrics; tests read them directly.
/// </summary>
public sealed class SessionDropCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<ResumeDropReason>().Length];
    private long _resumes;
    private long _migrations;
    private long _resumeFailures;
    private long _slowConsumerCloses;
    private long _synthesizedTtsStops;

    /// <summary>Frames dropped for <paramref name="reason"/>.</summary>
    public long Dropped(ResumeDropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>Frames dropped for any reason.</summary>
    public long TotalDropped => Enum.GetValues<ResumeDropReason>().Sum(Dropped);

    /// <summary>Sessions that got a new stream after theirs ended.</summary>
    public long Resumes => Interlocked.Read(ref _resumes);

    /// <summary>Sessions moved proactively off a connection that received GOAWAY.</summary>
    public long Migrations => Interlocked.Read(ref _migrations);

    /// <summary>Sessions closed with 1011 because no stream could be resumed within the limits.</summary>
    public long ResumeFailures => Interlocked.Read(ref _resumeFailures);

    /// <summary>Sessions closed because the device stopped reading (<c>Limits:DeviceSendTimeout</c>).</summary>
    public long SlowConsumerCloses => Interlocked.Read(ref _slowConsumerCloses);

    /// <summary><c>tts stop</c> messages the IM sent itself because a stream ended while the AI was speaking.</summary>
    public long SynthesizedTtsStops => Interlocked.Read(ref _synthesizedTtsStops);

    /// <summary>Counts <paramref name="count"/> dropped frames.</summary>
    public void AddDropped(ResumeDropReason reason, long count) => Interlocked.Add(ref _dropped[(int)reason], count);

    /// <summary>Counts a resume.</summary>
    public void AddResume() => Interlocked.Increment(ref _resumes);

    /// <summary>Counts a migration.</summary>
    public void AddMigration() => Interlocked.Increment(ref _migrations);

    /// <summary>Counts a failed resume.</summary>
    public void AddResumeFailure() => Interlocked.Increment(ref _resumeFailures);

    /// <summary>Counts a slow-consumer close.</summary>
    public void AddSlowConsumerClose() => Interlocked.Increment(ref _slowConsumerCloses);

    /// <summary>Counts a synthesized <c>tts stop</c>.</summary>
    public void AddSynthesizedTtsStop() => Interlocked.Increment(ref _synthesizedTtsStops);
}
