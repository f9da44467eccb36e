using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xiaozhi.EndToEnd.Tests.Deployment;

namespace Xiaozhi.EndToEnd.Tests.LoadBalancer;

/// <summary>
/// The real haproxy, started on the shipped deploy/haproxy/haproxy.cfg (not a copy): the file's
/// <c>${NAME-default}</c> variables get loopback ports, short client and check timeouts, and a stats socket in a
/// scratch directory; everything else is the shipped configuration. With TLS, its <c>wss://</c> listener gets a
/// throw-away certificate for 127.0.0.1. Killed on dispose.
/// </summary>
internal sealed class HaproxyProcess : IAsyncDisposable
{
    /// <summary>The balancer's client timeout here: an idle device must outlive it (the tunnel timeout takes over).</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The balancer's server timeout here (a node answers an upgrade well within it, once warm).</summary>
    public static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(2);

    private readonly Process _process;
    private readonly DirectoryInfo _scratch;
    private readonly StringBuilder _output = new();
    private readonly BalancerCertificate? _certificate;

    private HaproxyProcess(Process process, DirectoryInfo scratch, int port, int tlsPort, BalancerCertificate? certificate)
    {
        _process = process;
        _scratch = scratch;
        _certificate = certificate;
        DeviceUrl = new Uri($"ws://127.0.0.1:{port}/xiaozhi/v1/");
        SecureDeviceUrl = new Uri($"wss://127.0.0.1:{tlsPort}/xiaozhi/v1/");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Where devices dial the balancer.</summary>
    public Uri DeviceUrl { get; }

    /// <summary>Where devices dial the balancer's TLS listener (started with <c>tls: true</c> only).</summary>
    public Uri SecureDeviceUrl { get; }

    /// <summary>The throw-away certificate of the TLS listener, for a client to trust.</summary>
    public BalancerCertificate Certificate => _certificate ?? throw new InvalidOperationException("started without TLS");

    private string StatsSocket => Path.Combine(_scratch.FullName, "admin.sock");

    /// <summary>What haproxy printed so far (its log goes to stdout here).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts haproxy in front of <paramref name="nodes"/> (device port, management port each) and waits for its stats
    /// socket; <paramref name="environment"/> sets more of the file's variables.
    /// </summary>
    public static async Task<HaproxyProcess> StartAsync(
        IReadOnlyList<(Uri Device, Uri Management)> nodes, bool tls = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var haproxy = ExternalTool.Require("haproxy", "haproxy");
        nodes.Should().HaveCount(2, "the shipped file lists two nodes");
        var scratch = Directory.CreateTempSubdirectory("xiaozhi-haproxy-");
        var port = FreePort();
        var tlsPort = FreePort();
        var certificate = tls ? BalancerCertificate.Create(scratch) : null;
        var start = new ProcessStartInfo(haproxy)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -db: stay in the foreground, as a child of this test.
        foreach (var argument in new[] { "-db", "-f", RepositoryFiles.PathOf("deploy/haproxy/haproxy.cfg") })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["XIAOZHI_LB_LOG"] = "stdout";
        start.Environment["XIAOZHI_LB_MAXCONN"] = "4000";
        start.Environment["XIAOZHI_LB_STATS_SOCKET"] = Path.Combine(scratch.FullName, "admin.sock");
        start.Environment["XIAOZHI_LB_DEVICE_BIND"] = $"127.0.0.1:{port}";
        start.Environment["XIAOZHI_LB_CLIENT_TIMEOUT"] = $"{(int)ClientTimeout.TotalMilliseconds}ms";
        start.Environment["XIAOZHI_LB_SERVER_TIMEOUT"] = $"{(int)ServerTimeout.TotalMilliseconds}ms";
        start.Environment["XIAOZHI_LB_CHECK_INTER"] = "200ms";
        if (certificate is not null)
        {
            start.Environment["XIAOZHI_LB_TLS_BIND"] = $"127.0.0.1:{tlsPort}";
            start.Environment["XIAOZHI_LB_TLS_CERT"] = certificate.PemPath;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            start.Environment[$"XIAOZHI_IM_NODE{i + 1}"] = $"127.0.0.1:{nodes[i].Device.Port}";
            start.Environment[$"XIAOZHI_IM_NODE{i + 1}_MANAGEMENT_PORT"] = nodes[i].Management.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var process = Process.Start(start) ?? throw new AssertionException("could not start haproxy");
        var balancer = new HaproxyProcess(process, scratch, port, tlsPort, certificate);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new AssertionException($"haproxy exited with {process.ExitCode} on the shipped config:\n{balancer.Output}");
                }

                try
                {
                    await balancer.CommandAsync("show info");
                    return balancer;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }
            }
        }
        catch
        {
            await balancer.DisposeAsync();
            throw;
        }
    }

    /// <summary>One command on the admin stats socket (what <c>socat stdio</c> would send); its answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocket));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    /// <summary>Each server's state in backend <c>im_nodes</c> (<c>UP</c>, <c>DOWN</c>, <c>UP 1/2</c>, ...), from <c>show stat</c>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ServerStatusAsync()
    {
        var lines = (await CommandAsync("show stat")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f[Column("pxname")] == "im_nodes" && f[Column("svname")] is not ("BACKEND" or "FRONTEND"))
            .ToDictionary(f => f[Column("svname")], f => f[Column("status")]);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _certificate?.Dispose();
        try
        {
            _scratch.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
