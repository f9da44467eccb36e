namespace Xiaozhi.Hosting;

/// <summary>How <see cref="StubNode"/> runs the AI stub: the program, its settings, and where it listens.</summary>
public sealed record StubNodeSettings
{
    public string Name { get; init; } = "stub";

    /// <summary>The stub's dll from its own build output (same configuration as the kit), or a native executable (the benchmark's AOT stub).</summary>
    public string Program { get; init; } = BuiltStub(RepositoryPaths.Configuration);

    /// <summary><c>Stub:Mode</c> (<c>assistant</c>, <c>echo</c>); null: the stub's default.</summary>
    public string? Mode { get; init; }

    /// <summary>Keep no requests for inspection (<c>Stub:MaxRecordedRequestsPerSession</c> 0): the Go service keeps none, and a long run's kept audio grows the heap.</summary>
    public bool RecordNothing { get; init; } = true;

    /// <summary><c>Logging:LogLevel:Default</c>.</summary>
    public string LogLevel { get; init; } = "Warning";

    /// <summary>Appended after everything above: later settings win.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>A CPU list for <c>taskset -c</c>; null: not pinned.</summary>
    public string? Cpu { get; init; }

    /// <summary>The gRPC port; null: a free one (kept across restarts).</summary>
    public int? Port { get; init; }

    /// <summary>The OTA and fault-API port; null: a free one (kept across restarts).</summary>
    public int? OtaPort { get; init; }

    public Action<string>? OnLine { get; init; }

    public int KeepLines { get; init; } = 100_000;

    /// <summary>The stub's dll as built in <paramref name="configuration"/>.</summary>
    public static string BuiltStub(string configuration) =>
        RepositoryPaths.Of($"Xiaozhi.AiService.Stub/bin/{configuration}/net10.0/Xiaozhi.AiService.Stub.dll");
}
