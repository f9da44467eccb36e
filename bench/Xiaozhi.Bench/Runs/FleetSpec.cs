namespace Xiaozhi.Bench.Runs;

/// <summary>One measured fleet run against one target.</summary>
public sealed record FleetSpec
{
    /// <summary>Devices to connect.</summary>
    public required int Devices { get; init; }

    /// <summary>Share of them sending probes.</summary>
    public double TalkingPercent { get; init; } = 100;

    /// <summary>Probe frames per second per talking device.</summary>
    public required double Rate { get; init; }

    /// <summary>Payload bytes.</summary>
    public required int Payload { get; init; }

    /// <summary>Frame layout.</summary>
    public int Protocol { get; init; } = 1;

    /// <summary>Discarded time.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>
    /// Extend the warm-up, a few seconds at a time (up to <see cref="FleetRun.MaxWarmupExtension"/>), while the server is
    /// still compiling: until a step's JIT count is at most <see cref="FleetRun.SettledJitMethods"/>.
    /// </summary>
    public bool WarmUntilJitSettles { get; init; }

    /// <summary>Measured time.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Connections per second.</summary>
    public double Ramp { get; init; } = 1_000;

    /// <summary>Read the server's RSS after a forced GC before and after connecting (IM host only).</summary>
    public bool MeasureMemory { get; init; }

    /// <summary>After the measured window, with the devices still connected, take a <see cref="Hosting.HeapCensus"/> of the server.</summary>
    public bool HeapCensus { get; init; }
}
