namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// The stdin protocol of a bench-hosted server child, until stdin closes: <c>gc</c> (a full blocking compacting
/// collection, then <see cref="BenchChild.GcDoneMarker"/>), <c>stats-reset</c> (a new measuring window) and
/// <c>stats</c> (<see cref="BenchChild.StatsMarker"/> followed by <see cref="ServerStats.Format"/>).
/// </summary>
public static class ChildCommands
{
    /// <summary>Answers commands until stdin closes.</summary>
    public static async Task RunAsync(ServerStatsRecorder stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            switch (line)
            {
                case "gc":
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                    await Console.Out.WriteLineAsync(BenchChild.GcDoneMarker).ConfigureAwait(false);
                    break;
                case "stats-reset":
                    stats.Reset();
                    break;
                case "stats":
                    await Console.Out.WriteLineAsync(BenchChild.StatsMarker + stats.Snapshot().Format()).ConfigureAwait(false);
                    break;
            }
        }
    }
}
