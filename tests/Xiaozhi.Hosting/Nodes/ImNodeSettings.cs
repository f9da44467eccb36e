namespace Xiaozhi.Hosting;

/// <summary>How <see cref="ImNode"/> runs a gateway: the program, its settings, and where it listens.</summary>
/// <param name="JwtSecret">The devices' token secret (<c>Auth:JwtSecret</c>).</param>
public sealed record ImNodeSettings(string JwtSecret)
{
    public string Name { get; init; } = "im";

    /// <summary>The gateway's dll (by default the one beside the caller: the tests and the benchmark reference it).</summary>
    public string Program { get; init; } = Path.Combine(AppContext.BaseDirectory, "Xiaozhi.Im.Service.dll");

    /// <summary>Put before the settings (the benchmark's <c>serve-im</c> mode).</summary>
    public IReadOnlyList<string> ProgramArguments { get; init; } = [];

    /// <summary><c>Ai:Endpoints</c>, in order.</summary>
    public IReadOnlyList<string> AiEndpoints { get; init; } = [];

    /// <summary><c>Cluster:NodeId</c>; null: none given.</summary>
    public string? NodeId { get; init; }

    /// <summary><c>Cluster:Redis</c>; null: a single node.</summary>
    public string? Redis { get; init; }

    /// <summary>Lift the admission limits: every test or simulated device comes from 127.0.0.1, faster than devices would.</summary>
    public bool OpenAdmission { get; init; } = true;

    /// <summary><c>Logging:LogLevel:Default</c>.</summary>
    public string LogLevel { get; init; } = "Warning";

    /// <summary>Run in an empty content root, so no appsettings.json beside the dll applies (the defaults and these settings only).</summary>
    public bool IsolatedContentRoot { get; init; } = true;

    /// <summary>Appended after everything above: later settings win.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>A CPU list for <c>taskset -c</c>; null: not pinned.</summary>
    public string? Cpu { get; init; }

    /// <summary>A line the program prints once started; null: ready when its device and management ports accept.</summary>
    public string? ReadyLine { get; init; }

    /// <summary>The device port; null: a free one (kept across restarts).</summary>
    public int? Port { get; init; }

    /// <summary>The management port (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>); null: a free one (kept across restarts).</summary>
    public int? ManagementPort { get; init; }

    public Action<string>? OnLine { get; init; }

    public int KeepLines { get; init; } = 100_000;
}
