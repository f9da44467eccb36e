using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.Bench.Runs;

/// <summary>What one fleet run measured.</summary>
public sealed record FleetFigures
{
    public required FleetSpec Spec { get; init; }

    /// <summary>Devices connected (hello answered).</summary>
    public required int Connected { get; init; }

    /// <summary>Time to connect them all.</summary>
    public required TimeSpan ConnectElapsed { get; init; }

    /// <summary>Merged device figures (measured window only for round trips).</summary>
    public required RunStats Stats { get; init; }

    /// <summary>The warm-up the run took (longer than <see cref="FleetSpec.Warmup"/> when it waited for the JIT to settle).</summary>
    public TimeSpan WarmedUp { get; init; }

    /// <summary>Measured wall time.</summary>
    public required TimeSpan Measured { get; init; }

    /// <summary>CPU seconds the server process used in the measured window.</summary>
    public required double ServerCpuSeconds { get; init; }

    /// <summary>The server's own report for the measured window (GC, thread pool, in-gateway hop time).</summary>
    public required Hosting.ServerStats Server { get; init; }

    /// <summary>CPU seconds the stub (B) used in the measured window (null for the raw echo).</summary>
    public double? StubCpuSeconds { get; init; }

    /// <summary>CPU seconds this load generator used in the measured window.</summary>
    public double LoadCpuSeconds { get; init; }

    /// <summary>Garbage collections of this load generator in the measured window.</summary>
    public int LoadCollections { get; init; }

    /// <summary>Time this load generator was paused by its collections in the measured window.</summary>
    public TimeSpan LoadGcPause { get; init; }

    /// <summary>Server RSS growth per connected device after a GC, bytes (null when not measured).</summary>
    public double? RssPerDevice { get; init; }

    /// <summary>Server RSS after connecting, bytes (null when not measured).</summary>
    public long? RssAfterConnect { get; init; }

    /// <summary>The server's reachable objects after the window (with <see cref="FleetSpec.HeapCensus"/>).</summary>
    public Hosting.HeapCensus? Heap { get; init; }

    /// <summary>Connections that ended during the run.</summary>
    public required long Disconnects { get; init; }

    /// <summary>Server CPU µs per echoed round trip.</summary>
    public double CpuMicrosecondsPerRoundTrip => Stats.FramesEchoed == 0 ? double.NaN : ServerCpuSeconds * 1e6 / Stats.FramesEchoed;

    /// <summary>Server CPU share of one core in the measured window.</summary>
    public double CpuPercent => Measured.TotalSeconds <= 0 ? double.NaN : ServerCpuSeconds / Measured.TotalSeconds * 100;
}
