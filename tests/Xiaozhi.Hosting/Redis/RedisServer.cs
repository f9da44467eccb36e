using System.Globalization;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Xiaozhi.Hosting;

/// <summary>
/// A real <c>redis-server</c> (a primary, or a replica of one) or <c>redis-sentinel</c> as a child process on
/// 127.0.0.1, nothing persisted, ready once it answers PING. Restarts on the same port; killed on dispose.
/// </summary>
public sealed class RedisServer : IDisposable, IAsyncDisposable
{
    private readonly string _program;
    private readonly IReadOnlyList<string> _arguments;
    private ConnectionMultiplexer? _client;

    private RedisServer(string program, int port, IReadOnlyList<string> arguments)
    {
        _program = program;
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    /// <summary>The <c>Cluster:Redis</c> value for a node (for a sentinel: see <see cref="RedisSentinelGroup.Configuration"/>).</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public ChildProcess Process { get; private set; } = null!;

    public int ProcessId => Process.Pid;

    public bool HasExited => Process.HasExited;

    /// <summary>A primary on a free port; <paramref name="arguments"/> are appended to the defaults (later ones win).</summary>
    public static Task<RedisServer> StartAsync(params string[] arguments) =>
        LaunchNewAsync("redis-server", FreePort.Pick(), port => [.. DataNodeArguments(port), .. arguments]);

    /// <summary>A replica of <paramref name="primary"/> on a free port.</summary>
    public static Task<RedisServer> StartReplicaAsync(RedisServer primary, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(primary);
        return LaunchNewAsync("redis-server", FreePort.Pick(), port =>
            [.. DataNodeArguments(port), "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture), .. arguments]);
    }

    /// <summary>A sentinel on <paramref name="port"/> with its (writable: sentinel rewrites it) configuration file.</summary>
    public static Task<RedisServer> StartSentinelAsync(int port, string configurationFile) =>
        LaunchNewAsync("redis-sentinel", port, _ => [configurationFile]);

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
        await LaunchAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _client?.Dispose();
        Process?.Dispose();
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
    }

    private static string[] DataNodeArguments(int port) =>
    [
        "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--protected-mode", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
    ];

    private static async Task<RedisServer> LaunchNewAsync(string program, int port, Func<int, string[]> arguments)
    {
        var server = new RedisServer(program, port, arguments(port));
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
