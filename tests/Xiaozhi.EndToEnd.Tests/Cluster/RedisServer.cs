using System.Diagnostics;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>
/// A real <c>redis-server</c> as a child process on 127.0.0.1 (free port, no persistence), killed at the end. A
/// missing server fails the test with what to install; it is never skipped.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;
    private ConnectionMultiplexer? _client;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The <c>Cluster:Redis</c> value for the nodes.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running");

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreeTcpPort.Next());
        await server.LaunchAsync();
        return server;
    }

    /// <summary>A client for the test's own reads, writes and subscriptions.</summary>
    public async Task<ConnectionMultiplexer> ClientAsync()
    {
        if (_client is null)
        {
            var options = ConfigurationOptions.Parse(Configuration);
            options.AbortOnConnectFail = false;
            options.AllowAdmin = true;
            _client = await ConnectionMultiplexer.ConnectAsync(options);
        }

        return _client;
    }

    public void Pause() => PosixSignal.Send(ProcessId, PosixSignal.Stop);

    public void Resume() => PosixSignal.Send(ProcessId, PosixSignal.Continue);

    /// <summary>SIGKILL (works on a stopped process too); the data is gone, as after a crash without persistence.</summary>
    public async Task KillAsync()
    {
        var process = _process!;
        _process = null;
        PosixSignal.Send(process.Id, PosixSignal.Kill);
        await process.WaitForExitAsync();
        process.Dispose();
    }

    /// <summary>Starts again on the same port.</summary>
    public Task RestartAsync() => LaunchAsync();

    private async Task LaunchAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new AssertionException("redis-server is not installed: apt-get install redis-server (./build.sh test installs it when run as root)");
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", Port);
                var stream = tcp.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer);
                if (read > 0 && buffer[0] == (byte)'+')
                {
                    return;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }

            if (_process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new AssertionException($"redis-server did not start on port {Port}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_process is { } process)
        {
            try
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }
}
