using Xiaozhi.Im.Service;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// (C) the IM gateway, built by <see cref="ImApplication.Build"/> exactly as its own Program does, in a child process
/// that obeys the <see cref="ChildCommands"/> on stdin (collect garbage for a settled RSS; report GC, thread-pool and
/// in-gateway hop-time figures for a measured window).
/// </summary>
public static class ImHost
{
    /// <summary>Runs the gateway with <paramref name="args"/> until stdin closes.</summary>
    public static async Task RunAsync(string[] args)
    {
        // As the IM's own Program does first (only effective while nothing in this process has used the pool yet).
        Xiaozhi.Im.Service.Runtime.SharedBufferPoolCapacity.ApplyDefault();
        using var stats = new ServerStatsRecorder(listenToHops: true);
        var app = ImApplication.Build(args);
        await app.StartAsync().ConfigureAwait(false);
        await Console.Out.WriteLineAsync(BenchChild.ReadyMarker).ConfigureAwait(false);
        await ChildCommands.RunAsync(stats).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
    }
}
