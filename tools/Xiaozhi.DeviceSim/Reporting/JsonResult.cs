using System.Text.Json;
using Xiaozhi.DeviceSim.Cli;
using Xiaozhi.DeviceSim.Running;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Reporting;

/// <summary>The run as JSON (latencies in microseconds).</summary>
public static class JsonResult
{
    /// <summary>Writes the result document.</summary>
    public static string Format(SimOptions options, ConnectReport connect, RunStats run, TimeSpan measured)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("url", options.Url.ToString());
            json.WriteString("scenario", options.Scenario.ToString().ToLowerInvariant());
            json.WriteNumber("devices", options.Devices);
            json.WriteNumber("connected", connect.Connected);
            json.WriteNumber("connect_seconds", connect.Elapsed.TotalSeconds);
            json.WriteNumber("protocol", options.Protocol);
            json.WriteNumber("talking_percent", options.TalkingPercent);
            json.WriteNumber("rate", options.Rate);
            json.WriteNumber("frame_bytes", options.FrameBytes);
            json.WriteNumber("measured_seconds", measured.TotalSeconds);
            json.WriteNumber("frames_sent", run.FramesSent);
            json.WriteNumber("frames_echoed", run.FramesEchoed);
            json.WriteStartObject("latency_us");
            foreach (var metric in Enum.GetValues<LatencyMetric>())
            {
                var s = run.Summary(metric);
                json.WriteStartObject(JsonNamingPolicy.SnakeCaseLower.ConvertName(metric.ToString()));
                json.WriteNumber("count", s.Count);
                json.WriteNumber("mean", Math.Round(s.Mean, 1));
                json.WriteNumber("p50", s.P50);
                json.WriteNumber("p90", s.P90);
                json.WriteNumber("p99", s.P99);
                json.WriteNumber("p99_9", s.P999);
                json.WriteNumber("max", s.Max);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartObject("errors");
            foreach (var (kind, count) in run.Errors)
            {
                json.WriteNumber(kind, count);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
