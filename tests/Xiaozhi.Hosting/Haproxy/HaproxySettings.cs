namespace Xiaozhi.Hosting;

/// <summary>What <see cref="Haproxy"/> sets of the shipped file's <c>${NAME-default}</c> variables; null keeps the file's default.</summary>
/// <param name="Nodes">
/// The IM nodes, in the file's order (<c>im1</c>, <c>im2</c>, ...); at most as many as the file lists (the rest are spares,
/// in maintenance).
/// </param>
public sealed record HaproxySettings(IReadOnlyList<HaproxyBackend> Nodes)
{
    public string Name { get; init; } = "haproxy";

    /// <summary><c>XIAOZHI_LB_MAXCONN</c>.</summary>
    public int MaxConnections { get; init; } = 4000;

    /// <summary><c>XIAOZHI_LB_PER_SOURCE_CONNECTIONS</c>: every simulated device comes from 127.0.0.1.</summary>
    public int? PerSourceConnections { get; init; }

    /// <summary><c>XIAOZHI_LB_CLIENT_TIMEOUT</c>.</summary>
    public TimeSpan? ClientTimeout { get; init; }

    /// <summary><c>XIAOZHI_LB_SERVER_TIMEOUT</c>.</summary>
    public TimeSpan? ServerTimeout { get; init; }

    /// <summary><c>XIAOZHI_LB_CHECK_INTER</c>: how soon a node going down or up is seen.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary><c>XIAOZHI_LB_TLS_CERT</c> (one PEM: chain and key); the <c>wss://</c> listener is opened only with it.</summary>
    public string? TlsCertificatePem { get; init; }

    /// <summary>Wait until every node is <c>UP</c> in haproxy's checks before returning from start.</summary>
    public bool WaitUntilAllUp { get; init; }

    /// <summary>How many of its last log lines <see cref="Haproxy.Output"/> keeps.</summary>
    public int KeepLines { get; init; } = 100_000;

    /// <summary>Called with every line haproxy prints (a benchmark's timeline).</summary>
    public Action<string>? OnLine { get; init; }

    /// <summary>More of the file's variables (win over the ones above).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}
