using System.Globalization;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// What a server child process reports about itself for one measured window (after <c>stats-reset</c>, on
/// <c>stats</c>): its garbage collections and their pauses, thread-pool work and lock contention, and — for the IM — the
/// time frames spent inside the gateway, read from its own <c>xiaozhi.im.hop.latency</c> instrument. It tells whether a
/// latency tail is the gateway's (GC pauses, hop time) or the machine's (the other processes, the load generator).
/// </summary>
public sealed record ServerStats
{
    /// <summary>Gen 0/1/2 collections in the window.</summary>
    public required int Gen0 { get; init; }

    /// <summary>Gen 1 collections.</summary>
    public required int Gen1 { get; init; }

    /// <summary>Gen 2 collections.</summary>
    public required int Gen2 { get; init; }

    /// <summary>Total GC pause time in the window, ms.</summary>
    public required double GcPauseMs { get; init; }

    /// <summary>Bytes allocated in the window.</summary>
    public required long AllocatedBytes { get; init; }

    /// <summary>Thread-pool work items completed in the window.</summary>
    public required long WorkItems { get; init; }

    /// <summary>Thread-pool threads at the end of the window.</summary>
    public required int Threads { get; init; }

    /// <summary>Monitor lock contentions in the window.</summary>
    public required long LockContentions { get; init; }

    /// <summary>Methods the JIT compiled in the window (tier-ups included): zero once the process is warm.</summary>
    public required long JitMethods { get; init; }

    /// <summary>Time spent JIT-compiling in the window, ms.</summary>
    public required double JitMs { get; init; }

    /// <summary>Exceptions thrown in the window (first-chance, rethrows included): each costs a stack walk.</summary>
    public required long Exceptions { get; init; }

    /// <summary>In-gateway hop time, µs, uplink: p50, p99, p99.9, max (null when the process has no such instrument).</summary>
    public HopSummary? Uplink { get; init; }

    /// <summary>In-gateway hop time, µs, downlink.</summary>
    public HopSummary? Downlink { get; init; }

    /// <summary>One line, <c>key=value</c> pairs (what the child prints after its marker).</summary>
    public string Format()
    {
        var parts = new List<string>
        {
            $"gen0={Gen0}", $"gen1={Gen1}", $"gen2={Gen2}",
            string.Create(CultureInfo.InvariantCulture, $"pause={GcPauseMs:0.###}"),
            $"alloc={AllocatedBytes}", $"items={WorkItems}", $"threads={Threads}", $"locks={LockContentions}",
            $"jit={JitMethods}", string.Create(CultureInfo.InvariantCulture, $"jitms={JitMs:0.#}"), $"exceptions={Exceptions}",
        };
        if (Uplink is { } u)
        {
            parts.Add($"up={u.Format()}");
        }

        if (Downlink is { } d)
        {
            parts.Add($"down={d.Format()}");
        }

        return string.Join(' ', parts);
    }

    /// <summary>Parses <see cref="Format"/>'s output.</summary>
    public static ServerStats Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var map = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        long L(string key) => long.Parse(map[key], CultureInfo.InvariantCulture);
        return new ServerStats
        {
            Gen0 = (int)L("gen0"),
            Gen1 = (int)L("gen1"),
            Gen2 = (int)L("gen2"),
            GcPauseMs = double.Parse(map["pause"], CultureInfo.InvariantCulture),
            AllocatedBytes = L("alloc"),
            WorkItems = L("items"),
            Threads = (int)L("threads"),
            LockContentions = L("locks"),
            JitMethods = L("jit"),
            JitMs = double.Parse(map["jitms"], CultureInfo.InvariantCulture),
            Exceptions = L("exceptions"),
            Uplink = map.TryGetValue("up", out var up) ? HopSummary.Parse(up) : null,
            Downlink = map.TryGetValue("down", out var down) ? HopSummary.Parse(down) : null,
        };
    }
}
