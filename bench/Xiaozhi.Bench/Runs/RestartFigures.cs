namespace Xiaozhi.Bench.Runs;

/// <summary>What the backend-restart run measured.</summary>
/// <param name="Sessions">Sessions asked for.</param>
/// <param name="Connected">Sessions connected and echoing before the kill.</param>
/// <param name="StubDownToListening">From killing the stub to the new one listening.</param>
/// <param name="Resumed">Sessions that completed a round trip with a frame sent after the kill.</param>
/// <param name="Disconnected">Sessions whose WebSocket ended (the device would notice).</param>
/// <param name="ListeningToAllResumed">From the new stub listening to the last session resumed (null: not all resumed).</param>
/// <param name="KillToAllResumed">From the kill to the last session resumed (null: not all resumed).</param>
/// <param name="Waited">How long the run waited for resumption.</param>
/// <param name="Errors">Device errors by kind.</param>
public sealed record RestartFigures(
    int Sessions,
    int Connected,
    TimeSpan StubDownToListening,
    int Resumed,
    int Disconnected,
    TimeSpan? ListeningToAllResumed,
    TimeSpan? KillToAllResumed,
    TimeSpan Waited,
    IReadOnlyDictionary<string, long> Errors)
{
    /// <summary>A freshly started stub, alone (no sessions): from listening to its first hello reply (<see cref="ColdStubProbe"/>).</summary>
    public TimeSpan? ColdStubFirstAnswer { get; init; }

    /// <summary>Which restart of the run this was (1 = the IM's first).</summary>
    public int Round { get; init; } = 1;

    /// <summary>How often a session not yet resumed sent another probe frame.</summary>
    public TimeSpan ProbeEvery { get; init; }

    /// <summary>CPU seconds the IM used from the kill to the end of the wait (all resumed, or the limit).</summary>
    public double? ImCpuSeconds { get; init; }

    /// <summary>The IM's runtime figures (JIT, GC, work items) over the same window.</summary>
    public Hosting.ServerStats? ImStats { get; init; }

    /// <summary>Listening → resumed for the first, the 50th and the 90th percentile session (null when none resumed).</summary>
    public (TimeSpan First, TimeSpan P50, TimeSpan P90)? ListeningToResumedPercentiles { get; init; }
}
