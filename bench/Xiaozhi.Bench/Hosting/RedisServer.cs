using System.Globalization;

namespace Xiaozhi.Bench.Hosting;

/// <summary>The real redis-server on a free loopback port, nothing persisted; killed on dispose.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>Its port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Starts it and waits until it listens.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var port = FreePort.Pick();
        var process = ChildProcess.Start("redis", "/usr/bin/redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], null);
        var redis = new RedisServer(process, port);
        if (!await FreePort.WaitListeningAsync(port, TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            redis.Dispose();
            throw new InvalidOperationException("redis-server did not listen (is it installed? apt-get install redis-server)");
        }

        return redis;
    }

    /// <inheritdoc />
    public void Dispose() => _process.Dispose();
}
