using System.Text.Json;
using Xiaozhi.DeviceSim.Cli;
using Xiaozhi.DeviceSim.Reporting;
using Xiaozhi.DeviceSim.Running;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Tests.Reporting;

public sealed class ReportingTests
{
    private static readonly string[] MetricNames =
        ["round_trip", "round_trip_intended", "connect", "connect_to_hello", "turn_reply", "turn_reply_intended"];

    [Test]
    public void Json_carries_the_options_and_connect_figures()
    {
        var options = SimArguments.Parse(
            ["--url", "ws://127.0.0.1:8123/xiaozhi/v1/", "-n", "40", "--protocol", "3", "--scenario", "echo", "--talking", "62.5", "--rate", "25", "--frame-bytes", "320", "--json"]);

        using var json = JsonDocument.Parse(JsonResult.Format(options, new ConnectReport(40, 37, TimeSpan.FromMilliseconds(1_250)), new RunStats(), TimeSpan.FromSeconds(12.5)));
        var root = json.RootElement;

        root.GetProperty("url").GetString().Should().Be("ws://127.0.0.1:8123/xiaozhi/v1/");
        root.GetProperty("scenario").GetString().Should().Be("echo");
        root.GetProperty("devices").GetInt32().Should().Be(40);
        root.GetProperty("connected").GetInt32().Should().Be(37);
        root.GetProperty("connect_seconds").GetDouble().Should().Be(1.25);
        root.GetProperty("protocol").GetInt32().Should().Be(3);
        root.GetProperty("talking_percent").GetDouble().Should().Be(62.5);
        root.GetProperty("rate").GetDouble().Should().Be(25);
        root.GetProperty("frame_bytes").GetInt32().Should().Be(320);
        root.GetProperty("measured_seconds").GetDouble().Should().Be(12.5);
    }

    [Test]
    public void Json_carries_the_run_figures()
    {
        var device = new DeviceStats();
        for (var v = 1; v <= 1000; v++)
        {
            device.RecordEcho(v, v + 1000);
            device.CountSent();
        }

        for (var i = 0; i < 3; i++)
        {
            device.CountSent(); // three probes that never came back
        }

        device.Record(LatencyMetric.Connect, 1_500);
        device.Error("connect: HTTP 401");
        device.Error("connect: HTTP 401");
        device.Error("hello: timeout");
        var run = new RunStats();
        device.AddTo(run);

        using var json = JsonDocument.Parse(JsonResult.Format(new SimOptions(), new ConnectReport(1, 1, TimeSpan.FromSeconds(1)), run, TimeSpan.FromSeconds(20)));
        var root = json.RootElement;

        root.GetProperty("frames_sent").GetInt64().Should().Be(1003);
        root.GetProperty("frames_echoed").GetInt64().Should().Be(1000);

        var latency = root.GetProperty("latency_us");
        latency.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(MetricNames);
        var roundTrip = latency.GetProperty("round_trip");
        roundTrip.GetProperty("count").GetInt64().Should().Be(1000);
        roundTrip.GetProperty("mean").GetDouble().Should().Be(500.5);
        roundTrip.GetProperty("p50").GetInt64().Should().Be(500);
        roundTrip.GetProperty("p90").GetInt64().Should().Be(900);
        roundTrip.GetProperty("p99").GetInt64().Should().Be(990);
        roundTrip.GetProperty("p99_9").GetInt64().Should().Be(999);
        roundTrip.GetProperty("max").GetInt64().Should().Be(1000);

        var intended = latency.GetProperty("round_trip_intended");
        intended.GetProperty("count").GetInt64().Should().Be(1000);
        intended.GetProperty("p50").GetInt64().Should().Be(1500);
        intended.GetProperty("max").GetInt64().Should().Be(2000);

        latency.GetProperty("connect").GetProperty("count").GetInt64().Should().Be(1);
        latency.GetProperty("connect").GetProperty("max").GetInt64().Should().Be(1500);
        latency.GetProperty("turn_reply").GetProperty("count").GetInt64().Should().Be(0);
        latency.GetProperty("turn_reply").GetProperty("p99").GetInt64().Should().Be(0);

        var errors = root.GetProperty("errors");
        errors.EnumerateObject().Should().HaveCount(2);
        errors.GetProperty("connect: HTTP 401").GetInt64().Should().Be(2);
        errors.GetProperty("hello: timeout").GetInt64().Should().Be(1);
    }

    [Test]
    public void Json_of_an_empty_run_still_has_every_metric_and_an_empty_error_object()
    {
        using var json = JsonDocument.Parse(JsonResult.Format(new SimOptions(), default, new RunStats(), TimeSpan.Zero));
        var root = json.RootElement;

        root.GetProperty("connected").GetInt32().Should().Be(0);
        root.GetProperty("scenario").GetString().Should().Be("voice");
        foreach (var name in MetricNames)
        {
            root.GetProperty("latency_us").GetProperty(name).GetProperty("count").GetInt64().Should().Be(0);
        }

        root.GetProperty("errors").EnumerateObject().Should().BeEmpty();
    }

    [Test]
    public void Milliseconds_have_three_decimals_with_a_dot()
    {
        ResultTable.Ms(1_234).Should().Be("1.234");
        ResultTable.Ms(999).Should().Be("0.999");
        ResultTable.Ms(0).Should().Be("0.000");
        ResultTable.Ms(45_000_000).Should().Be("45000.000");
    }

    [Test]
    public void The_table_has_the_percentile_columns()
    {
        var header = ResultTable.Format(new RunStats(), TimeSpan.FromSeconds(1)).Split('\n')[0];

        header.Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().EndWith(new[] { "count", "p50", "p90", "p99", "p99.9", "max" });
    }

    [Test]
    public void A_row_shows_count_and_percentiles_in_milliseconds()
    {
        var device = new DeviceStats();
        for (var v = 1; v <= 1000; v++)
        {
            device.RecordEcho(v, v);
        }

        var run = new RunStats();
        device.AddTo(run);

        var row = Lines(ResultTable.Format(run, TimeSpan.FromSeconds(1))).Single(l => l.StartsWith("echo round trip (from send)", StringComparison.Ordinal));

        row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^6..].Should().Equal("1000", "0.500", "0.900", "0.990", "0.999", "1.000");
    }

    [Test]
    public void Metrics_without_samples_have_no_row()
    {
        var device = new DeviceStats();
        device.Record(LatencyMetric.TurnReply, 250_000);
        var run = new RunStats();
        device.AddTo(run);

        var text = ResultTable.Format(run, TimeSpan.FromSeconds(1));

        text.Should().Contain("turn: end → first reply (from send)");
        text.Should().NotContain("echo round trip");
        text.Should().NotContain("connect (upgrade done)");
        text.Should().NotContain("turn: end → first reply (intended)");
    }

    [Test]
    public void The_table_reports_frames_rate_and_missing_echoes()
    {
        var run = new RunStats();
        run.AddFrames(sent: 1000, echoed: 990);

        var text = ResultTable.Format(run, TimeSpan.FromSeconds(4));

        text.Should().Contain("frames sent 1000 (250/s), echoes received 990, missing 10");
    }

    [Test]
    public void More_echoes_than_sends_are_not_reported_as_negative_missing()
    {
        var run = new RunStats();
        run.AddFrames(sent: 5, echoed: 7);

        ResultTable.Format(run, TimeSpan.FromSeconds(1)).Should().Contain("missing 0");
    }

    [Test]
    public void A_zero_measured_time_does_not_break_the_table()
    {
        var format = () => ResultTable.Format(new RunStats(), TimeSpan.Zero);

        format.Should().NotThrow().Which.Should().Contain("frames sent 0 (0/s)");
    }

    [Test]
    public void The_table_lists_errors_by_kind_with_the_total()
    {
        var run = new RunStats();
        run.AddErrors("connect: HTTP 429", 3);
        run.AddErrors("closed by server: 1008", 1);

        var lines = Lines(ResultTable.Format(run, TimeSpan.FromSeconds(1)));

        lines.Should().Contain("errors (4):");
        lines.Should().Contain(l => l.Trim() == "3  connect: HTTP 429");
        lines.Should().Contain(l => l.Trim() == "1  closed by server: 1008");
        lines.Should().NotContain("errors: none");
    }

    [Test]
    public void A_run_without_errors_says_so()
    {
        Lines(ResultTable.Format(new RunStats(), TimeSpan.FromSeconds(1))).Should().Contain("errors: none");
    }

    [Test]
    public void Null_inputs_are_refused()
    {
        var table = () => ResultTable.Format(null!, TimeSpan.Zero);
        var jsonWithoutRun = () => JsonResult.Format(new SimOptions(), default, null!, TimeSpan.Zero);
        var jsonWithoutOptions = () => JsonResult.Format(null!, default, new RunStats(), TimeSpan.Zero);

        table.Should().Throw<ArgumentNullException>();
        jsonWithoutRun.Should().Throw<ArgumentNullException>();
        jsonWithoutOptions.Should().Throw<ArgumentNullException>();
    }

    private static string[] Lines(string text) => text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
}
