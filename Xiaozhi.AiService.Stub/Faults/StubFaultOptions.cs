namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>Initial fault settings, bound from <c>Stub:Faults</c>. Tests change them at run time through <see cref="StubFaults"/>.</summary>
internal sealed class StubFaultOptions
{
    public const string SectionName = "Stub:Faults";

    /// <summary>Delay before every response written to a stream.</summary>
    public int ResponseDelayMs { get; set; }

    /// <summary>New <c>ChatStream</c> calls fail with <c>Unavailable</c>.</summary>
    public bool RefuseNewStreams { get; set; }

    /// <summary>A stream fails with <c>Internal</c> when it receives its Nth message; unset = never.</summary>
    public int? FailStreamAfterMessages { get; set; }

    /// <summary>Go-like MaxConnectionAge: a gRPC connection gets a graceful GOAWAY after this many seconds; unset or 0 = never.</summary>
    public int? MaxConnectionAgeSeconds { get; set; }

    /// <summary>After the GOAWAY, the connection is aborted (its streams end) after this many seconds.</summary>
    public int MaxConnectionAgeGraceSeconds { get; set; } = 5;

    /// <summary>Turns played at once over all sessions; more wait their turn (overload shows as growing waits). 0 = no limit.</summary>
    public int MaxConcurrentTurns { get; set; }

    /// <summary>Every Nth turn (counted over all sessions) is answered with a 999 error instead; unset = never.</summary>
    public int? FailEveryNthTurn { get; set; }

    /// <summary><c>HealthCheck</c> answers NOT_SERVING from the start.</summary>
    public bool Draining { get; set; }
}
