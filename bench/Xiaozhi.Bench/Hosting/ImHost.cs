using Xiaozhi.Im.Service;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// (C) the IM gateway, built by <see cref="ImApplication.Build"/> exactly as its own Program does, in a child process
/// that also obeys <c>gc</c> on stdin (a full blocking compacting collection, then <c>gc-done</c>) so the harness can
/// read a settled RSS.
/// </summary>
public static class ImHost
{
    /// <summary>Runs the gateway with <paramref name="args"/> until stdin closes.</summary>
    public static async Task RunAsync(string[] args)
    {
        var app = ImApplication.Build(args);
        await app.StartAsync().ConfigureAwait(false);
        await Console.Out.WriteLineAsync(ChildProcess.ReadyMarker).ConfigureAwait(false);
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == "gc")
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                await Console.Out.WriteLineAsync(ChildProcess.GcDoneMarker).ConfigureAwait(false);
            }
        }

        await app.StopAsync().ConfigureAwait(false);
    }
}
