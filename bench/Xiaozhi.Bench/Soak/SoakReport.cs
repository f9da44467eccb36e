using System.Globalization;
using System.Text;

namespace Xiaozhi.Bench.Soak;

/// <summary>What the checker found: the run's figures and every violation (a run passes with none).</summary>
internal sealed record SoakReport
{
    public required IReadOnlyList<FaultInjected> Faults { get; init; }

    public required int Turns { get; init; }

    public required int Completed { get; init; }

    /// <summary>Turns not completed whose device was told, by what it was told (an alert's text, a close code and reason).</summary>
    public required IReadOnlyDictionary<string, int> Told { get; init; }

    /// <summary>Turns cut by a fault that cannot tell the device (its node SIGKILLed), by fault.</summary>
    public required IReadOnlyDictionary<string, int> CutByFault { get; init; }

    /// <summary>Turns the device itself gave up (it abandoned the connection mid-turn).</summary>
    public required int AbandonedByDevice { get; init; }

    public required int SilentLosses { get; init; }

    public required IReadOnlyList<DuplicateWindow> DuplicateWindows { get; init; }

    public required IReadOnlyList<ReconnectTime> Reconnects { get; init; }

    public required IReadOnlyList<SoakViolation> Violations { get; init; }

    public bool Passed => Violations.Count == 0;

    /// <summary>Nearest-rank percentile of the reconnect times (zero when there were none).</summary>
    public TimeSpan ReconnectPercentile(double percent)
    {
        var sorted = Reconnects.Select(r => r.Elapsed).Order().ToList();
        if (sorted.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public ReconnectTime? WorstReconnect => Reconnects.MaxBy(r => r.Elapsed);

    public override string ToString()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"faults injected: {Faults.Count}");
        foreach (var fault in Faults)
        {
            text.AppendLine(c, $"  {fault}");
        }

        text.AppendLine(c, $"turns: {Turns}, completed: {Completed}, told: {Told.Values.Sum()}, cut by a fault: {CutByFault.Values.Sum()}, abandoned by the device: {AbandonedByDevice}, silent losses: {SilentLosses}");
        foreach (var (reason, count) in Told.OrderByDescending(p => p.Value))
        {
            text.AppendLine(c, $"  told {count}× {reason}");
        }

        foreach (var (fault, count) in CutByFault.OrderByDescending(p => p.Value))
        {
            text.AppendLine(c, $"  cut {count}× by {fault}");
        }

        var longest = DuplicateWindows.Count == 0 ? TimeSpan.Zero : DuplicateWindows.Max(w => w.Length);
        text.AppendLine(c, $"duplicate windows: {DuplicateWindows.Count}, longest {longest.TotalMilliseconds:F0} ms");
        text.AppendLine(c, $"reconnects: {Reconnects.Count}, hello answered p50 {ReconnectPercentile(50).TotalMilliseconds:F0} ms, p99 {ReconnectPercentile(99).TotalMilliseconds:F0} ms, max {ReconnectPercentile(100).TotalMilliseconds:F0} ms");
        if (WorstReconnect is { } worst)
        {
            text.AppendLine(c, $"  worst: {worst.DeviceId} at {worst.From.TotalSeconds:F1} s, {worst.Elapsed.TotalMilliseconds:F0} ms: {worst.Cause}");
        }

        text.AppendLine(c, $"violations: {Violations.Count}");
        foreach (var violation in Violations)
        {
            text.AppendLine(c, $"  {violation}");
        }

        return text.ToString();
    }
}
