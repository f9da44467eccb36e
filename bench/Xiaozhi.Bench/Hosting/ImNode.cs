using System.Globalization;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// One more IM node in front of the topology's stub (B), clustered on a redis-server, with admission opened up as C's
/// (the load comes from one address) and its management port known (a load balancer's health check). Killed on dispose.
/// </summary>
public sealed class ImNode : IDisposable
{
    private ImNode(ChildProcess process, int port, int managementPort)
    {
        Process = process;
        Port = port;
        ManagementPort = managementPort;
    }

    /// <summary>The node's process.</summary>
    public ChildProcess Process { get; }

    /// <summary>Its device port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Its management port on 127.0.0.1.</summary>
    public int ManagementPort { get; }

    /// <summary>Where devices dial it.</summary>
    public Uri DeviceUrl => new($"ws://127.0.0.1:{Port}/xiaozhi/v1/");

    /// <summary>
    /// Starts node <paramref name="nodeId"/> (not waiting for it); <paramref name="extraArgs"/> are appended (later
    /// settings win).
    /// </summary>
    public static ImNode Start(BenchTopology topology, string nodeId, int redisPort, TimeSpan refreshInterval, params string[] extraArgs)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var port = FreePort.Pick();
        var management = FreePort.Pick();
        var process = ChildProcess.Start(nodeId, Path.Combine(AppContext.BaseDirectory, "Xiaozhi.Bench.dll"),
        [
            "serve-im", "--urls", $"http://127.0.0.1:{port}", "--Ai:Endpoints:0", $"http://127.0.0.1:{topology.StubPort}",
            "--Auth:JwtSecret", BenchTopology.Secret, "--Management:Urls", $"http://127.0.0.1:{management}",
            "--Admission:MaxConcurrentSessions", "100000", "--Admission:PerIpConnectionBurst", "1000000",
            "--Admission:PerIpConnectionsPerSecond", "1000000", "--Admission:PerIpConcurrentConnections", "1000000",
            "--Logging:LogLevel:Default", "Warning",
            "--Cluster:Redis", $"127.0.0.1:{redisPort}", "--Cluster:NodeId", nodeId,
            "--Cluster:RefreshInterval", refreshInterval.ToString("c", CultureInfo.InvariantCulture),
            .. extraArgs,
        ], null);
        return new ImNode(process, port, management);
    }

    /// <inheritdoc />
    public void Dispose() => Process.Dispose();
}
