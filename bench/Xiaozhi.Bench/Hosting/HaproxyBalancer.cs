using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// The real haproxy on the shipped <c>deploy/haproxy/haproxy.cfg</c> (not a copy): its <c>${NAME-default}</c> variables
/// get loopback ports and a stats socket in a scratch directory, everything else is the file as operators run it.
/// Killed on dispose.
/// </summary>
public sealed class HaproxyBalancer : IDisposable
{
    private readonly ChildProcess _process;
    private readonly DirectoryInfo _scratch;
    private readonly string _statsSocket;

    private HaproxyBalancer(ChildProcess process, DirectoryInfo scratch, string statsSocket, int port)
    {
        _process = process;
        _scratch = scratch;
        _statsSocket = statsSocket;
        DeviceUrl = new Uri($"ws://127.0.0.1:{port}/xiaozhi/v1/");
    }

    /// <summary>Where devices dial the balancer.</summary>
    public Uri DeviceUrl { get; }

    /// <summary>The haproxy process (for its CPU and RSS).</summary>
    public int Pid => _process.Pid;

    /// <summary>
    /// Starts haproxy in front of the two nodes (device port, management port each; the shipped file lists two) and
    /// waits until both are up in its health checks.
    /// </summary>
    public static async Task<HaproxyBalancer> StartAsync(string name, (int Port, int ManagementPort) node1, (int Port, int ManagementPort) node2, int maxConnections)
    {
        var program = Program();
        var scratch = Directory.CreateTempSubdirectory("xiaozhi-bench-haproxy-");
        var port = FreePort.Pick();
        var statsSocket = Path.Combine(scratch.FullName, "admin.sock");
        var environment = new Dictionary<string, string>
        {
            ["XIAOZHI_LB_LOG"] = "stdout",
            ["XIAOZHI_LB_MAXCONN"] = maxConnections.ToString(CultureInfo.InvariantCulture),
            // Every simulated device comes from 127.0.0.1: the per-source limit must not be what is measured.
            ["XIAOZHI_LB_PER_SOURCE_CONNECTIONS"] = maxConnections.ToString(CultureInfo.InvariantCulture),
            ["XIAOZHI_LB_STATS_SOCKET"] = statsSocket,
            ["XIAOZHI_LB_DEVICE_BIND"] = $"127.0.0.1:{port}",
            ["XIAOZHI_LB_CHECK_INTER"] = "500ms",
            ["XIAOZHI_IM_NODE1"] = $"127.0.0.1:{node1.Port}",
            ["XIAOZHI_IM_NODE1_MANAGEMENT_PORT"] = node1.ManagementPort.ToString(CultureInfo.InvariantCulture),
            ["XIAOZHI_IM_NODE2"] = $"127.0.0.1:{node2.Port}",
            ["XIAOZHI_IM_NODE2_MANAGEMENT_PORT"] = node2.ManagementPort.ToString(CultureInfo.InvariantCulture),
        };

        // -db: in the foreground, a child of the harness.
        var process = ChildProcess.Start(name, program, ["-db", "-f", ShippedConfiguration()], null, environment);
        var balancer = new HaproxyBalancer(process, scratch, statsSocket, port);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"haproxy exited on the shipped configuration:\n{process.Tail()}");
                }

                try
                {
                    var states = await ServerStatesAsync(statsSocket).ConfigureAwait(false);
                    if (states.Count == 2 && states.Values.All(s => s == "UP"))
                    {
                        return balancer;
                    }
                }
                catch (SocketException)
                {
                    // Not listening on its stats socket yet.
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"haproxy's two nodes were not both up within 20 s:\n{process.Tail()}");
                }

                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        catch
        {
            balancer.Dispose();
            throw;
        }
    }

    /// <summary>Open connections per server of backend <c>im_nodes</c> (<c>scur</c> of <c>show stat</c>).</summary>
    public async Task<IReadOnlyDictionary<string, int>> CurrentConnectionsAsync()
    {
        var rows = await StatRowsAsync(_statsSocket).ConfigureAwait(false);
        return rows.ToDictionary(r => r["svname"], r => int.Parse(r["scur"], CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _process.Dispose();
        try
        {
            _scratch.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>haproxy's version (the third word of <c>haproxy -v</c>).</summary>
    public static string Version()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Program(), "-v") { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run haproxy -v");
        var words = (process.StandardOutput.ReadLine() ?? "").Split(' ');
        process.WaitForExit(5_000);
        return words.Length > 2 ? words[2] : "?";
    }

    private static string Program() =>
        new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed (apt-get install haproxy)");

    private static async Task<Dictionary<string, string>> ServerStatesAsync(string socket) =>
        (await StatRowsAsync(socket).ConfigureAwait(false)).ToDictionary(r => r["svname"], r => r["status"]);

    // The backend's server rows of `show stat` (CSV with a "# " header), by column name.
    private static async Task<List<Dictionary<string, string>>> StatRowsAsync(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("show stat\n")).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var lines = (await reader.ReadToEndAsync(timeout.Token).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return [];
        }

        var header = lines[0].TrimStart('#', ' ').Split(',');
        return [.. lines.Skip(1)
            .Select(l => l.Split(','))
            .Select(fields => header.Zip(fields).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal))
            .Where(r => r["pxname"] == "im_nodes" && r["svname"] is not ("BACKEND" or "FRONTEND"))];
    }

    private static string ShippedConfiguration()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "deploy", "haproxy", "haproxy.cfg");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("deploy/haproxy/haproxy.cfg not found above " + AppContext.BaseDirectory);
    }
}
