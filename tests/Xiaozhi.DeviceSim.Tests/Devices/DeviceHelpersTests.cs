using Xiaozhi.DeviceSim.Devices;
using Xiaozhi.DeviceSim.Running;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Tests.Devices;

/// <summary>The pure parts of devices and fleets: who talks, loopback-only URLs, device ids. Nothing connects.</summary>
public sealed class DeviceHelpersTests
{
    private static readonly Uri Loopback = new("ws://127.0.0.1:1/");

    [TestCase(100, 10, 10)]
    [TestCase(50, 10, 5)]
    [TestCase(30, 10, 3)]
    [TestCase(10, 100, 10)]
    [TestCase(1, 50, 0)]
    [TestCase(1, 100, 1)]
    [TestCase(0, 100, 0)]
    [TestCase(250, 20, 20)]
    public void The_talking_share_of_a_fleet_follows_the_percentage(double percent, int fleet, int talking)
    {
        var plan = new ScenarioPlan { Scenario = Scenario.Echo, TalkingPercent = percent };

        Enumerable.Range(0, fleet).Count(plan.Talks).Should().Be(talking);
    }

    [Test]
    public void Talkers_are_spread_evenly_over_the_indexes()
    {
        var plan = new ScenarioPlan { Scenario = Scenario.Voice, TalkingPercent = 25 };

        var talkers = Enumerable.Range(0, 16).Where(plan.Talks).ToArray();

        talkers.Should().HaveCount(4);
        talkers.Zip(talkers.Skip(1), (a, b) => b - a).Should().OnlyContain(gap => gap == 4);
    }

    [Test]
    public void Every_prefix_of_a_fleet_has_its_fair_share_of_talkers()
    {
        // Devices connect in index order, so a partially connected fleet must still talk in proportion.
        var plan = new ScenarioPlan { Scenario = Scenario.Chat, TalkingPercent = 40 };
        var talking = 0;
        for (var n = 1; n <= 500; n++)
        {
            talking += plan.Talks(n - 1) ? 1 : 0;
            talking.Should().Be((int)Math.Floor(n * 0.4 + 1e-9), $"after {n} devices");
        }
    }

    [TestCase(100, 29, 29)]
    [TestCase(100, 57, 57)]
    [TestCase(100, 58, 58)]
    [TestCase(1000, 33.3, 333)]
    [TestCase(10000, 5, 500)]
    public void The_talking_share_is_exact_for_percentages_without_a_binary_form(int devices, double percent, int talkers)
    {
        var plan = new ScenarioPlan { Scenario = Scenario.Chat, TalkingPercent = percent };

        Enumerable.Range(0, devices).Count(plan.Talks).Should().Be(talkers);
    }

    [Test]
    public void Idle_plans_never_talk_whatever_the_percentage()
    {
        var plan = new ScenarioPlan { Scenario = Scenario.Idle, TalkingPercent = 100 };

        Enumerable.Range(0, 100).Where(plan.Talks).Should().BeEmpty();
    }

    [Test]
    public void Negative_percentages_mean_nobody_talks()
    {
        var plan = new ScenarioPlan { Scenario = Scenario.Echo, TalkingPercent = -10 };

        Enumerable.Range(0, 100).Where(plan.Talks).Should().BeEmpty();
    }

    [TestCase("ws://127.0.0.1/", true)]
    [TestCase("wss://127.255.255.254:443/", true)]
    [TestCase("ws://localhost:8000/", true)]
    [TestCase("ws://LocalHost/", true)]
    [TestCase("ws://[::1]:8000/", true)]
    [TestCase("http://127.0.0.1/", false)]
    [TestCase("https://localhost/", false)]
    [TestCase("ws://128.0.0.1/", false)]
    [TestCase("ws://0.0.0.0/", false)]
    [TestCase("ws://192.168.1.10/", false)]
    [TestCase("ws://[::2]/", false)]
    [TestCase("ws://localhost.example.com/", false)]
    [TestCase("ws://example.com/", false)]
    public void Only_websocket_urls_on_this_machine_are_loopback(string url, bool loopback)
    {
        LoopbackGuard.IsLoopback(new Uri(url)).Should().Be(loopback);
    }

    [Test]
    public async Task A_fleet_refuses_a_url_off_this_machine()
    {
        var create = () => new DeviceFleet(new DeviceSettings { Url = new Uri("ws://192.0.2.1:8000/") });

        create.Should().Throw<ArgumentException>().Which.Message.Should().Contain("loopback");

        await using var fleet = new DeviceFleet(new DeviceSettings { Url = Loopback });
        fleet.Devices.Should().BeEmpty();
        fleet.OpenCount.Should().Be(0);
        fleet.Collect().ErrorCount.Should().Be(0);
    }

    [TestCase(0, 0, "02:00:00:00:00:00")]
    [TestCase(0x2a, 0, "02:00:00:00:00:2a")]
    [TestCase(0x01020304, 0xAB, "02:ab:01:02:03:04")]
    [TestCase(65_535, 7, "02:07:00:00:ff:ff")]
    public async Task Device_ids_are_locally_administered_macs_from_prefix_and_index(int index, int prefix, string expected)
    {
        await using var device = new SimulatedDevice(index, new DeviceSettings { Url = Loopback, DeviceIdPrefix = (byte)prefix }, new RunCounters());

        device.DeviceId.Should().Be(expected);
        device.Index.Should().Be(index);
        device.IsOpen.Should().BeFalse();
    }

    [Test]
    public async Task Device_ids_are_unique_within_a_fleet_and_across_prefixes()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var counters = new RunCounters();
        foreach (var prefix in new byte[] { 0, 1 })
        {
            var settings = new DeviceSettings { Url = Loopback, DeviceIdPrefix = prefix };
            for (var i = 0; i < 300; i++)
            {
                await using var device = new SimulatedDevice(i, settings, counters);
                ids.Add(device.DeviceId).Should().BeTrue($"{device.DeviceId} is new");
            }
        }
    }

    [Test]
    public void A_device_refuses_an_unknown_protocol_version()
    {
        var create = () => new SimulatedDevice(0, new DeviceSettings { Url = Loopback, ProtocolVersion = 4 }, new RunCounters());

        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public async Task A_device_that_never_connected_closes_and_sends_nothing()
    {
        await using var device = new SimulatedDevice(3, new DeviceSettings { Url = Loopback, FrameBytes = 64 }, new RunCounters());

        (await device.SendProbeAsync(CancellationToken.None)).Should().BeFalse();
        await device.CloseAsync(TimeSpan.FromSeconds(1));

        device.Stats.FramesSent.Should().Be(0);
        device.IsOpen.Should().BeFalse();
    }
}
