using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>
/// One <c>redis-server</c> or <c>redis-sentinel</c> child on 127.0.0.1 started with the given arguments, ready once
/// it answers PING; killed at the end. A missing binary fails the test with what to install.
/// </summary>
internal sealed class RedisChild : IAsyncDisposable
{
    private readonly Process _process;

    private RedisChild(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<RedisChild> StartAsync(string program, int port, IEnumerable<string> args)
    {
        var binary = new[] { $"/usr/bin/{program}", $"/usr/local/bin/{program}" }.FirstOrDefault(File.Exists)
            ?? throw new AssertionException($"{program} is not installed: apt-get install redis-server redis-sentinel (./build.sh test installs redis-server when run as root)");
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new RedisChild(process, port);
        await child.WaitForPingAsync(program);
        return child;
    }

    /// <summary>
    /// SIGKILL: no shutdown, no last write, as a crashed host. Sent directly (Process.Kill is SIGKILL on Unix): spawning
    /// kill(1) took up to 1.6 s on a loaded machine, which would count against the failover's measured bound.
    /// </summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    private async Task WaitForPingAsync(string program)
    {
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
                if (await stream.ReadAsync(buffer) > 0 && buffer[0] == (byte)'+')
                {
                    return;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }

            if (_process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new AssertionException($"{program} did not start on port {Port.ToString(CultureInfo.InvariantCulture)}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
