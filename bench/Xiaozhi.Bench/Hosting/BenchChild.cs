namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// The benchmark's side of a bench-hosted server child (<see cref="ChildCommands"/> on its stdin, markers on its
/// stdout), on top of the kit's <see cref="ChildProcess"/>: its lines go to the timeline, the last 40 are kept.
/// </summary>
public static class BenchChild
{
    /// <summary>Printed by bench-hosted children once listening.</summary>
    public const string ReadyMarker = "xiaozhi-bench: ready";

    /// <summary>Printed by the IM host after a requested collection.</summary>
    public const string GcDoneMarker = "xiaozhi-bench: gc-done";

    /// <summary>Printed by bench-hosted children before their <see cref="ServerStats"/> line.</summary>
    public const string StatsMarker = "xiaozhi-bench: stats ";

    private const int KeptLines = 40;

    /// <summary>A server child of the benchmark: ready on <see cref="ReadyMarker"/>, its lines on the timeline.</summary>
    public static ChildProcessOptions Options(string name, string program, IEnumerable<string> arguments, string? cpu = null, IReadOnlyDictionary<string, string>? environment = null) =>
        new(name, program)
        {
            Arguments = [.. arguments],
            Cpu = cpu,
            Environment = environment,
            ReadyLine = ReadyMarker,
            KeepLines = KeptLines,
            OnLine = line => BenchTimeline.Write(name, line),
        };

    /// <summary>Writes each line to the timeline under <paramref name="name"/> (for the kit's nodes).</summary>
    public static Action<string> Timeline(string name) => line => BenchTimeline.Write(name, line);

    /// <summary>Starts a new stats window in a bench-hosted child.</summary>
    public static Task ResetStatsAsync(this ChildProcess child)
    {
        ArgumentNullException.ThrowIfNull(child);
        return child.SendLineAsync("stats-reset");
    }

    /// <summary>Reads a bench-hosted child's stats for the window since <see cref="ResetStatsAsync"/> (bounded).</summary>
    public static async Task<ServerStats> ReadStatsAsync(this ChildProcess child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var line = child.WaitForLineAsync(l => l.StartsWith(StatsMarker, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await child.SendLineAsync("stats").ConfigureAwait(false);
        return ServerStats.Parse((await line.ConfigureAwait(false))[StatsMarker.Length..]);
    }

    /// <summary>Asks an IM host for a full collection and waits for it (bounded).</summary>
    public static async Task CollectGarbageAsync(this ChildProcess child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var done = child.WaitForLineAsync(l => l.Contains(GcDoneMarker, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await child.SendLineAsync("gc").ConfigureAwait(false);
        try
        {
            await done.ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (child.HasExited)
        {
            // As before: an exited child has nothing to collect; its figures say so.
        }

        await Task.Delay(200).ConfigureAwait(false); // let the kernel's RSS accounting settle
    }
}
