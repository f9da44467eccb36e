using System.Globalization;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Xiaozhi.Hosting;

/// <summary>
/// A real <c>redis-server</c> (a primary, or a replica of one) or <c>redis-sentinel</c> as a child process on
/// 127.0.0.1, nothing persisted, ready once it answers PING. Restarts on the same port; killed on dispose. Each has a
/// scratch directory of its own (its <c>dir</c> and working directory, deleted on dispose): a replica's full sync
/// writes an RDB file even with saving off, and it must never land where the caller runs (the repository).
/// </summary>
public sealed class RedisServer : IDisposable, IAsyncDisposable
{
    private readonly string _program;
    private readonly IReadOnlyList<string> _arguments;
    private readonly DirectoryInfo _directory;
    private ConnectionMultiplexer? _client;

    private RedisServer(string program, int port, DirectoryInfo directory, IReadOnlyList<string> arguments)
    {
        _program = program;
        Port = port;
        _directory = directory;
        _arguments = arguments;
    }

    public int Port { get; }

    /// <summary>Its scratch directory: <c>dir</c> and working directory (gone after dispose).</summary>
    public string Directory => _directory.FullName;

    /// <summary>The <c>Cluster:Redis</c> value for a node (for a sentinel: see <see cref="RedisSentinelGroup.Configuration"/>).</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process { get; private set; } = null!;

    public int ProcessId => Process.Pid;

    public bool HasExited => Process.HasExited;

    /// <summary>A primary on a free port; <paramref name="arguments"/> are appended to the defaults (later ones win).</summary>
    public static Task<RedisServer> StartAsync(params string[] arguments) =>
        LaunchNewAsync("redis-server", FreePort.Pick(), (port, directory) => [.. DataNodeArguments(port, directory), .. arguments]);

    /// <summary>A replica of <paramref name="primary"/> on a free port.</summary>
    public static Task<RedisServer> StartReplicaAsync(RedisServer primary, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(primary);
        return LaunchNewAsync("redis-server", FreePort.Pick(), (port, directory) =>
            [.. DataNodeArguments(port, directory), "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture), .. arguments]);
    }

    /// <summary>A sentinel on <paramref name="port"/> with its (writable: sentinel rewrites it) configuration file.</summary>
    public static Task<RedisServer> StartSentinelAsync(int port, string configurationFile) =>
        LaunchNewAsync("redis-sentinel", port, (_, _) => [configurationFile]);

    /// <summary>A client for the caller's own reads, writes and subscriptions (one, kept until dispose).</summary>
    public async Task<ConnectionMultiplexer> ClientAsync()
    {
        if (_client is null)
        {
            var options = ConfigurationOptions.Parse(Configuration);
            options.AbortOnConnectFail = false;
            options.AllowAdmin = true;
            _client = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }

        return _client;
    }

    /// <summary>SIGSTOP: Redis hangs with its connections open (a stalled host).</summary>
    public void Pause() => Process.Pause();

    public void Resume() => Process.Resume();

    /// <summary>SIGKILL (a stopped process too): no shutdown, no last write; the data is gone, as after a crash without persistence.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGTERM: a clean shutdown; SIGKILL after <paramref name="grace"/>.</summary>
    public Task<int> TerminateAsync(TimeSpan grace) => Process.TerminateAsync(grace);

    /// <summary>Starts again on the same port (after a kill or a terminate), empty.</summary>
    public async Task RestartAsync()
    {
        if (!Process.HasExited)
        {
            await Process.KillAsync().ConfigureAwait(false);
        }

        await Process.DisposeAsync().ConfigureAwait(false);
        // An RDB file a replica's sync left would be loaded at start: the server comes back empty, as documented.
        foreach (var file in _directory.EnumerateFiles())
        {
            file.Delete();
        }

        await LaunchAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _client?.Dispose();
        Process?.Dispose();
        DeleteDirectory();
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        if (Process is not null)
        {
            await Process.DisposeAsync().ConfigureAwait(false);
        }

        DeleteDirectory();
    }

    private static string[] DataNodeArguments(int port, string directory) =>
    [
        "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no",
        "--protected-mode", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
    ];

    private static async Task<RedisServer> LaunchNewAsync(string program, int port, Func<int, string, string[]> arguments)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory($"xiaozhi-{program}-");
        var server = new RedisServer(program, port, directory, arguments(port, directory.FullName));
        try
        {
            await server.LaunchAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task LaunchAsync()
    {
        var binary = Executables.Require(_program, _program == "redis-sentinel" ? "redis-sentinel" : "redis-server");
        Process = ChildProcess.Start(new ChildProcessOptions($"{_program} :{Port.ToString(CultureInfo.InvariantCulture)}", binary)
        {
            Arguments = _arguments,
            WorkingDirectory = Directory,
            KeepLines = 200,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await AnswersPingAsync().ConfigureAwait(false))
        {
            if (Process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"{_program} did not start on port {Port.ToString(CultureInfo.InvariantCulture)}:\n{Process.Tail()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private void DeleteDirectory()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or a file still open by a process that is being killed: the system's temp cleanup takes it.
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", Port).ConfigureAwait(false);
            var stream = tcp.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray()).ConfigureAwait(false);
            var buffer = new byte[16];
            return await stream.ReadAsync(buffer).ConfigureAwait(false) > 0 && buffer[0] == (byte)'+';
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }
}
