using System.Globalization;
using System.Text;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Reporting;

/// <summary>Human-readable tables of a run's figures (milliseconds, 3 decimals).</summary>
public static class ResultTable
{
    private static readonly (LatencyMetric Metric, string Label)[] Rows =
    [
        (LatencyMetric.RoundTrip, "echo round trip (from send)"),
        (LatencyMetric.RoundTripIntended, "echo round trip (from intended send)"),
        (LatencyMetric.TurnReply, "turn: end → first reply (from send)"),
        (LatencyMetric.TurnReplyIntended, "turn: end → first reply (intended)"),
        (LatencyMetric.Connect, "connect (upgrade done)"),
        (LatencyMetric.ConnectToHello, "connect + hello answered"),
    ];

    /// <summary>The latency table and errors of <paramref name="run"/>.</summary>
    public static string Format(RunStats run, TimeSpan measured)
    {
        ArgumentNullException.ThrowIfNull(run);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"latency (ms)",-38} {"count",9} {"p50",9} {"p90",9} {"p99",9} {"p99.9",9} {"max",9}");
        foreach (var (metric, label) in Rows)
        {
            var s = run.Summary(metric);
            if (s.Count == 0)
            {
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"{label,-38} {s.Count,9} {Ms(s.P50),9} {Ms(s.P90),9} {Ms(s.P99),9} {Ms(s.P999),9} {Ms(s.Max),9}");
        }

        var seconds = Math.Max(measured.TotalSeconds, 1e-9);
        text.AppendLine(CultureInfo.InvariantCulture, $"frames sent {run.FramesSent} ({run.FramesSent / seconds:0}/s), echoes received {run.FramesEchoed}, missing {Math.Max(0, run.FramesSent - run.FramesEchoed)}");
        if (run.Errors.Count == 0)
        {
            text.AppendLine("errors: none");
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"errors ({run.ErrorCount}):");
            foreach (var (kind, count) in run.Errors)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {count,8}  {kind}");
            }
        }

        return text.ToString();
    }

    /// <summary>Microseconds as milliseconds with 3 decimals.</summary>
    public static string Ms(long microseconds) => (microseconds / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
}
