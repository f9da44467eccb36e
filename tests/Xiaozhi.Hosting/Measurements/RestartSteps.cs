namespace Xiaozhi.Hosting;

/// <summary>What <see cref="RestartMeasurement"/> does to the backend and how it sees the sessions come back.</summary>
public sealed record RestartSteps
{
    /// <summary>Takes the backend down (a kill, or streams cut then a stop); the clock starts before it.</summary>
    public required Func<Task> Stop { get; init; }

    /// <summary>Brings it back; done once it listens.</summary>
    public required Func<Task> Start { get; init; }

    /// <summary>Sessions resumed since the stop (a counter, or the caller's own per-session record).</summary>
    public required Func<int> Resumed { get; init; }

    /// <summary>True once every session the caller still waits for came back.</summary>
    public required Func<bool> AllResumed { get; init; }

    /// <summary>How many sessions the 50 % and 99 % marks are of.</summary>
    public required int Sessions { get; init; }

    /// <summary>Down time between the stop and the start.</summary>
    public TimeSpan Down { get; init; }

    /// <summary>
    /// Sent at once after the start and again every <see cref="ProbeEvery"/> while some are not back (a frame from each
    /// waiting session: a session resumes when it next sends); not awaited, so a slow round does not delay the clock.
    /// </summary>
    public Func<Task>? Probe { get; init; }

    public TimeSpan ProbeEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for every session after the start.</summary>
    public TimeSpan Limit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often <see cref="Resumed"/> and <see cref="AllResumed"/> are read.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(5);
}
