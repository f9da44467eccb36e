using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Xiaozhi.Hosting;

/// <summary>
/// The real haproxy on the shipped <c>deploy/haproxy/haproxy.cfg</c> (not a copy): the file's <c>${NAME-default}</c>
/// variables — set here and nowhere else — get loopback ports and a stats socket in a scratch directory, everything
/// else is the file as operators run it. Its log goes to stdout (<see cref="Output"/>). Killed on dispose.
/// With fewer nodes than the file lists, the file's extra <c>server</c> lines (the spares) point at a loopback port
/// nobody listens on and are put in maintenance before any device dials, as an operator would take a node out.
/// </summary>
public sealed partial class Haproxy : IDisposable, IAsyncDisposable
{
    private const string ShippedFile = "deploy/haproxy/haproxy.cfg";

    // A privileged port nothing on a test machine listens on: a spare's checks are refused at once.
    private const int SparePort = 1;

    private readonly DirectoryInfo _scratch;
    private readonly ChildProcessOptions _start;

    private Haproxy(HaproxySettings settings, DirectoryInfo scratch, int port, int tlsPort)
    {
        Settings = settings;
        _scratch = scratch;
        DeviceUrl = new Uri($"ws://127.0.0.1:{port}/xiaozhi/v1/");
        SecureDeviceUrl = new Uri($"wss://127.0.0.1:{tlsPort}/xiaozhi/v1/");
        // -db: in the foreground, a child of the caller.
        _start = new ChildProcessOptions(settings.Name, Executables.Require("haproxy", "haproxy"))
        {
            Arguments = ["-db", "-f", ShippedConfiguration],
            Environment = Variables(settings, port, tlsPort, StatsSocket),
            KeepLines = settings.KeepLines,
            OnLine = settings.OnLine,
        };
    }

    public HaproxySettings Settings { get; }

    /// <summary>Where devices dial the balancer.</summary>
    public Uri DeviceUrl { get; }

    /// <summary>Where devices dial its TLS listener (with <see cref="HaproxySettings.TlsCertificatePem"/> only).</summary>
    public Uri SecureDeviceUrl { get; }

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process { get; private set; } = null!;

    /// <summary>The process id (for its CPU and RSS).</summary>
    public int Pid => Process.Pid;

    /// <summary>What haproxy printed so far (its log: one line per device connection).</summary>
    public string Output => Process.Output;

    /// <summary>The admin stats socket (what <c>socat stdio</c> would talk to).</summary>
    public string StatsSocket => Path.Combine(_scratch.FullName, "admin.sock");

    /// <summary>The shipped configuration file, found above this program's directory.</summary>
    public static string ShippedConfiguration => RepositoryPaths.Of(ShippedFile);

    /// <summary>The file's servers given no node (<c>im3</c> for two nodes): kept in maintenance.</summary>
    public IReadOnlyList<string> SpareServers => [.. Enumerable.Range(Settings.Nodes.Count + 1, ShippedServerCount - Settings.Nodes.Count).Select(ServerName)];

    /// <summary>How many <c>server</c> lines the shipped file's <c>im_nodes</c> backend has.</summary>
    public static int ShippedServerCount => ServerLine().Matches(File.ReadAllText(ShippedConfiguration)).Count;

    /// <summary>The shipped file's variables for <paramref name="settings"/>: the one place they are set.</summary>
    public static IReadOnlyDictionary<string, string> Variables(HaproxySettings settings, int port, int tlsPort, string statsSocket)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var variables = new Dictionary<string, string>
        {
            ["XIAOZHI_LB_LOG"] = "stdout",
            ["XIAOZHI_LB_MAXCONN"] = Invariant(settings.MaxConnections),
            ["XIAOZHI_LB_STATS_SOCKET"] = statsSocket,
            ["XIAOZHI_LB_DEVICE_BIND"] = $"127.0.0.1:{Invariant(port)}",
            ["XIAOZHI_LB_CHECK_INTER"] = Milliseconds(settings.CheckInterval),
        };
        if (settings.PerSourceConnections is { } perSource)
        {
            variables["XIAOZHI_LB_PER_SOURCE_CONNECTIONS"] = Invariant(perSource);
        }

        if (settings.ClientTimeout is { } client)
        {
            variables["XIAOZHI_LB_CLIENT_TIMEOUT"] = Milliseconds(client);
        }

        if (settings.ServerTimeout is { } server)
        {
            variables["XIAOZHI_LB_SERVER_TIMEOUT"] = Milliseconds(server);
        }

        if (settings.TlsCertificatePem is { } pem)
        {
            variables["XIAOZHI_LB_TLS_BIND"] = $"127.0.0.1:{Invariant(tlsPort)}";
            variables["XIAOZHI_LB_TLS_CERT"] = pem;
        }

        for (var i = 0; i < settings.Nodes.Count; i++)
        {
            variables[$"XIAOZHI_IM_NODE{i + 1}"] = $"127.0.0.1:{Invariant(settings.Nodes[i].Port)}";
            variables[$"XIAOZHI_IM_NODE{i + 1}_MANAGEMENT_PORT"] = Invariant(settings.Nodes[i].ManagementPort);
        }

        // The file's defaults are private-network addresses: a spare must never check them from a test machine.
        for (var i = settings.Nodes.Count; i < ShippedServerCount; i++)
        {
            variables[$"XIAOZHI_IM_NODE{i + 1}"] = $"127.0.0.1:{Invariant(SparePort)}";
            variables[$"XIAOZHI_IM_NODE{i + 1}_MANAGEMENT_PORT"] = Invariant(SparePort);
        }

        foreach (var (name, value) in settings.Environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        return variables;
    }

    /// <summary>Starts haproxy and waits for its stats socket (and, with <see cref="HaproxySettings.WaitUntilAllUp"/>, for every node up).</summary>
    public static async Task<Haproxy> StartAsync(HaproxySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var servers = ShippedServerCount;
        if (settings.Nodes.Count is 0 || settings.Nodes.Count > servers)
        {
            throw new ArgumentException($"the shipped {ShippedFile} lists {servers} nodes; {settings.Nodes.Count} given (1 to {servers})", nameof(settings));
        }

        var balancer = new Haproxy(settings, Directory.CreateTempSubdirectory("xiaozhi-haproxy-"), FreePort.Pick(), FreePort.Pick());
        try
        {
            await balancer.LaunchAsync().ConfigureAwait(false);
            return balancer;
        }
        catch
        {
            await balancer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One command on the admin stats socket; its answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocket)).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n")).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await reader.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Each server's state in backend <c>im_nodes</c> (<c>UP</c>, <c>DOWN</c>, <c>UP 1/2</c>, ...), from <c>show stat</c>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ServerStatusAsync() =>
        (await ServerRowsAsync().ConfigureAwait(false)).ToDictionary(r => r["svname"], r => r["status"]);

    /// <summary>Open connections per server of backend <c>im_nodes</c> (<c>scur</c> of <c>show stat</c>).</summary>
    public async Task<IReadOnlyDictionary<string, int>> CurrentConnectionsAsync() =>
        (await ServerRowsAsync().ConfigureAwait(false)).ToDictionary(r => r["svname"], r => int.Parse(r["scur"], CultureInfo.InvariantCulture));

    /// <summary>Sets a server's admin state (<c>ready</c>, <c>drain</c>, <c>maint</c>), as an operator would for a rolling restart.</summary>
    public Task<string> SetServerStateAsync(string server, string state) =>
        CommandAsync($"set server im_nodes/{server} state {state}");

    /// <summary>Waits until every node's server of <c>im_nodes</c> is <c>UP</c> (spares stay in maintenance); fails when haproxy exits or after <paramref name="limit"/>.</summary>
    public async Task WaitUntilAllUpAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"haproxy exited on the shipped configuration:\n{Process.Tail()}");
            }

            try
            {
                var states = await ServerStatusAsync().ConfigureAwait(false);
                if (Enumerable.Range(1, Settings.Nodes.Count).All(i => states.TryGetValue(ServerName(i), out var state) && state == "UP"))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening on its stats socket yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"haproxy's nodes were not all up within {limit}:\n{Process.Tail()}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>SIGKILL: every device connection through it drops at once.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGTERM (haproxy's hard stop: connections closed), SIGKILL after <paramref name="grace"/>.</summary>
    public Task<int> TerminateAsync(TimeSpan grace) => Process.TerminateAsync(grace);

    /// <summary>Starts it again on the same ports and settings (after a kill or a terminate).</summary>
    public async Task RestartAsync()
    {
        if (!Process.HasExited)
        {
            await Process.KillAsync().ConfigureAwait(false);
        }

        await Process.DisposeAsync().ConfigureAwait(false);
        await LaunchAsync().ConfigureAwait(false);
    }

    /// <summary>haproxy's version (the third word of <c>haproxy -v</c>).</summary>
    public static string Version()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Executables.Require("haproxy", "haproxy"), "-v") { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run haproxy -v");
        var words = (process.StandardOutput.ReadLine() ?? "").Split(' ');
        process.WaitForExit(5_000);
        return words.Length > 2 ? words[2] : "?";
    }

    public void Dispose()
    {
        Process?.Dispose();
        DeleteScratch();
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync().ConfigureAwait(false);
        }

        DeleteScratch();
    }

    private async Task LaunchAsync()
    {
        Process = ChildProcess.Start(_start);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"haproxy exited on the shipped configuration:\n{Process.Output}");
            }

            try
            {
                await CommandAsync("show info").ConfigureAwait(false);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        foreach (var spare in SpareServers)
        {
            var answer = await SetServerStateAsync(spare, "maint").ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(answer))
            {
                throw new InvalidOperationException($"haproxy did not put the spare server {spare} in maintenance: {answer.Trim()}");
            }
        }

        if (Settings.WaitUntilAllUp)
        {
            await WaitUntilAllUpAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        }
    }

    // The backend's server rows of `show stat` (CSV with a "# " header), by column name.
    private async Task<List<Dictionary<string, string>>> ServerRowsAsync()
    {
        var lines = (await CommandAsync("show stat").ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
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

    private void DeleteScratch()
    {
        try
        {
            _scratch.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The file's name for the n-th node (1-based): <c>im1</c>, <c>im2</c>, ...</summary>
    public static string ServerName(int n) => "im" + Invariant(n);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Milliseconds(TimeSpan value) => Invariant((int)value.TotalMilliseconds) + "ms";

    [GeneratedRegex(@"^\s*server\s+im\d+\s", RegexOptions.Multiline)]
    private static partial Regex ServerLine();
}
