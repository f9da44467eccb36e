using Xiaozhi.DeviceSim.Devices;
using Xiaozhi.DeviceSim.Running;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Tests.Stats;

public sealed class DeviceAndRunStatsTests
{
    [Test]
    public void A_recorded_latency_lands_in_its_own_metric_only()
    {
        foreach (var metric in Enum.GetValues<LatencyMetric>())
        {
            var device = new DeviceStats();
            device.Record(metric, 700);

            var run = Collect(device);

            foreach (var other in Enum.GetValues<LatencyMetric>())
            {
                run.Summary(other).Count.Should().Be(other == metric ? 1 : 0, $"{metric} was recorded, {other} was not");
            }

            run.Summary(metric).Max.Should().Be(700);
        }
    }

    [Test]
    public void An_echo_records_the_actual_and_the_intended_round_trip_separately()
    {
        // A late send (coordinated omission): the actual round trip is short, the one from the intended send is long.
        var device = new DeviceStats();
        device.RecordEcho(actualMicroseconds: 300, intendedMicroseconds: 1_800);
        device.RecordEcho(actualMicroseconds: 310, intendedMicroseconds: 1_500);

        var run = Collect(device);

        run.Summary(LatencyMetric.RoundTrip).Should().Be(new LatencySummary(2, 305, 300, 310, 310, 310, 310));
        run.Summary(LatencyMetric.RoundTripIntended).Should().Be(new LatencySummary(2, 1_650, 1_500, 1_800, 1_800, 1_800, 1_800));
        run.Summary(LatencyMetric.TurnReply).Count.Should().Be(0);
        run.FramesEchoed.Should().Be(2);
        device.FramesEchoed.Should().Be(2);
    }

    [Test]
    public void Sent_frames_are_counted()
    {
        var device = new DeviceStats();
        for (var i = 0; i < 5; i++)
        {
            device.CountSent();
        }

        device.RecordEcho(100, 100);

        device.FramesSent.Should().Be(5);
        var run = Collect(device);
        run.FramesSent.Should().Be(5);
        run.FramesEchoed.Should().Be(1);
    }

    [Test]
    public void Errors_are_counted_by_kind()
    {
        var device = new DeviceStats();
        device.Error("connect: HTTP 401");
        device.Error("hello: timeout");
        device.Error("connect: HTTP 401");

        var run = Collect(device);

        run.Errors.Should().Equal(new Dictionary<string, long>
        {
            ["connect: HTTP 401"] = 2,
            ["hello: timeout"] = 1,
        });
        run.ErrorCount.Should().Be(3);
    }

    [Test]
    public void Error_kinds_are_case_sensitive()
    {
        var device = new DeviceStats();
        device.Error("Timeout");
        device.Error("timeout");

        Collect(device).Errors.Should().HaveCount(2);
    }

    [Test]
    public void Devices_merge_into_one_distribution()
    {
        var fast = new DeviceStats();
        var slow = new DeviceStats();
        for (var v = 1; v <= 500; v++)
        {
            fast.RecordEcho(v, v);
            slow.RecordEcho(v + 500, v + 1000);
        }

        var run = Collect(fast, slow);

        run.Summary(LatencyMetric.RoundTrip).Should().Be(new LatencySummary(1000, 500.5, 500, 900, 990, 999, 1000));
        var intended = run.Summary(LatencyMetric.RoundTripIntended);
        intended.Count.Should().Be(1000);
        intended.P50.Should().Be(500);
        intended.Max.Should().Be(1500);
        run.FramesEchoed.Should().Be(1000);
    }

    [Test]
    public void Errors_and_frames_of_several_devices_are_summed()
    {
        var a = new DeviceStats();
        var b = new DeviceStats();
        a.Error("send: ConnectionClosedPrematurely");
        a.Error("receive: malformed binary frame");
        b.Error("send: ConnectionClosedPrematurely");
        a.CountSent();
        b.CountSent();
        b.CountSent();

        var run = Collect(a, b);

        run.Errors["send: ConnectionClosedPrematurely"].Should().Be(2);
        run.Errors["receive: malformed binary frame"].Should().Be(1);
        run.ErrorCount.Should().Be(3);
        run.FramesSent.Should().Be(3);
    }

    [Test]
    public void Run_errors_are_listed_in_ordinal_order()
    {
        var run = new RunStats();
        run.AddErrors("receive: x", 1);
        run.AddErrors("Zeta", 1);
        run.AddErrors("connect: HTTP 503", 4);
        run.AddErrors("connect: HTTP 503", 1);

        run.Errors.Keys.Should().Equal("Zeta", "connect: HTTP 503", "receive: x");
        run.Errors["connect: HTTP 503"].Should().Be(5);
    }

    [Test]
    public void Collecting_is_a_snapshot_that_leaves_the_device_figures_in_place()
    {
        var device = new DeviceStats();
        device.Record(LatencyMetric.Connect, 1_000);
        device.Error("x");
        device.CountSent();

        var first = Collect(device);
        var second = Collect(device);

        second.Summary(LatencyMetric.Connect).Should().Be(first.Summary(LatencyMetric.Connect));
        second.Summary(LatencyMetric.Connect).Count.Should().Be(1);
        second.ErrorCount.Should().Be(1);
        second.FramesSent.Should().Be(1);
    }

    [Test]
    public void Resetting_latencies_keeps_connect_times_and_errors()
    {
        var device = new DeviceStats();
        device.Record(LatencyMetric.Connect, 2_000);
        device.Record(LatencyMetric.ConnectToHello, 3_000);
        device.Record(LatencyMetric.TurnReply, 40_000);
        device.Record(LatencyMetric.TurnReplyIntended, 45_000);
        device.RecordEcho(500, 900);
        device.CountSent();
        device.Error("hello: timeout");

        device.ResetLatencies();
        var run = Collect(device);

        run.Summary(LatencyMetric.Connect).Count.Should().Be(1);
        run.Summary(LatencyMetric.ConnectToHello).Count.Should().Be(1);
        run.Summary(LatencyMetric.RoundTrip).Count.Should().Be(0);
        run.Summary(LatencyMetric.RoundTripIntended).Count.Should().Be(0);
        run.Summary(LatencyMetric.TurnReply).Count.Should().Be(0);
        run.Summary(LatencyMetric.TurnReplyIntended).Count.Should().Be(0);
        run.FramesSent.Should().Be(0);
        run.FramesEchoed.Should().Be(0);
        device.FramesSent.Should().Be(0);
        device.FramesEchoed.Should().Be(0);
        run.Errors.Should().ContainKey("hello: timeout").WhoseValue.Should().Be(1);
    }

    [Test]
    public void An_idle_device_that_never_echoed_adds_its_connect_time_and_no_round_trip()
    {
        var idle = new DeviceStats();
        idle.Record(LatencyMetric.Connect, 2_000);
        idle.ResetLatencies();
        var talking = new DeviceStats();
        talking.Record(LatencyMetric.Connect, 4_000);
        talking.RecordEcho(700, 900);

        var run = Collect(idle, talking);

        run.Summary(LatencyMetric.Connect).Count.Should().Be(2);
        run.Summary(LatencyMetric.RoundTrip).Count.Should().Be(1);
        run.Summary(LatencyMetric.RoundTrip).Max.Should().Be(700);
        run.Summary(LatencyMetric.RoundTripIntended).Max.Should().Be(900);
        run.Summary(LatencyMetric.TurnReply).Count.Should().Be(0);
    }

    [Test]
    public void Recording_after_a_reset_counts_only_the_new_samples()
    {
        var device = new DeviceStats();
        device.RecordEcho(10_000, 10_000);
        device.ResetLatencies();
        device.RecordEcho(100, 200);

        var summary = Collect(device).Summary(LatencyMetric.RoundTrip);

        summary.Count.Should().Be(1);
        summary.Max.Should().Be(100);
    }

    [Test]
    public void Concurrent_writers_on_one_device_lose_nothing()
    {
        var device = new DeviceStats();
        const int Writers = 8;
        const int PerWriter = 5_000;

        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, w =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                device.RecordEcho(i + 1, i + 2);
                device.CountSent();
                device.Error(w % 2 == 0 ? "even" : "odd");
            }
        });

        var run = Collect(device);
        run.Summary(LatencyMetric.RoundTrip).Count.Should().Be(Writers * PerWriter);
        run.Summary(LatencyMetric.RoundTripIntended).Count.Should().Be(Writers * PerWriter);
        run.FramesSent.Should().Be(Writers * PerWriter);
        run.FramesEchoed.Should().Be(Writers * PerWriter);
        run.Errors["even"].Should().Be(Writers / 2 * PerWriter);
        run.Errors["odd"].Should().Be(Writers / 2 * PerWriter);
    }

    [Test]
    public void Adding_to_a_null_run_is_refused()
    {
        var add = () => new DeviceStats().AddTo(null!);

        add.Should().Throw<ArgumentNullException>();
    }

    [Test]
    public void An_empty_run_has_no_figures()
    {
        var run = new RunStats();

        run.ErrorCount.Should().Be(0);
        run.Errors.Should().BeEmpty();
        run.FramesSent.Should().Be(0);
        run.FramesEchoed.Should().Be(0);
        foreach (var metric in Enum.GetValues<LatencyMetric>())
        {
            run.Summary(metric).Should().Be(default(LatencySummary));
        }
    }

    [Test]
    public async Task Fresh_run_counters_are_zero_and_a_fleet_uses_the_counters_it_is_given()
    {
        var counters = new RunCounters();

        counters.Connected.Should().Be(0);
        counters.Talking.Should().Be(0);
        counters.FramesSent.Should().Be(0);
        counters.FramesReceived.Should().Be(0);
        counters.Errors.Should().Be(0);
        counters.Disconnects.Should().Be(0);

        var settings = new DeviceSettings { Url = new Uri("ws://127.0.0.1:1/") };
        await using var shared = new DeviceFleet(settings, counters);
        await using var own = new DeviceFleet(settings);
        shared.Counters.Should().BeSameAs(counters);
        own.Counters.Should().NotBeNull().And.NotBeSameAs(counters);
    }

    private static RunStats Collect(params DeviceStats[] devices)
    {
        var run = new RunStats();
        foreach (var device in devices)
        {
            device.AddTo(run);
        }

        return run;
    }
}
