using Xiaozhi.DeviceSim.Cli;
using Xiaozhi.DeviceSim.Devices;

namespace Xiaozhi.DeviceSim.Tests.Cli;

public sealed class SimOptionsTests
{
    private static readonly SimOptions NonDefault = SimArguments.Parse(
    [
        "--url", "ws://127.0.0.2:9000/v/",
        "--protocol", "2",
        "--secret", "k",
        "--token", "t.t.t",
        "--user-id", "42",
        "--frame-bytes", "321",
        "--device-prefix", "9",
        "--scenario", "mix",
        "--talking", "40",
        "--rate", "12.5",
        "--utterance-frames", "11",
        "--pause", "0.75",
    ]);

    [Test]
    public void Device_settings_carry_the_connection_options()
    {
        var settings = NonDefault.ToDeviceSettings();

        settings.Url.Should().Be(new Uri("ws://127.0.0.2:9000/v/"));
        settings.ProtocolVersion.Should().Be(2);
        settings.Secret.Should().Be("k");
        settings.Token.Should().Be("t.t.t");
        settings.UserId.Should().Be(42);
        settings.FrameBytes.Should().Be(321);
        settings.DeviceIdPrefix.Should().Be(9);
    }

    [Test]
    public void Device_settings_keep_their_own_timeouts()
    {
        var settings = NonDefault.ToDeviceSettings();
        var plain = new DeviceSettings { Url = NonDefault.Url };

        settings.ConnectTimeout.Should().Be(plain.ConnectTimeout);
        settings.HelloTimeout.Should().Be(plain.HelloTimeout);
        settings.TurnTimeout.Should().Be(plain.TurnTimeout);
    }

    [Test]
    public void The_plan_carries_the_scenario_options()
    {
        NonDefault.ToPlan().Should().Be(new ScenarioPlan
        {
            Scenario = Scenario.Mix,
            TalkingPercent = 40,
            Rate = 12.5,
            UtteranceFrames = 11,
            PauseBetweenTurns = TimeSpan.FromSeconds(0.75),
        });
    }

    [Test]
    public void The_default_plan_is_the_cli_default_voice_scenario_not_the_plan_type_default()
    {
        // ScenarioPlan on its own defaults to echo; the CLI's default is voice.
        new SimOptions().ToPlan().Scenario.Should().Be(Scenario.Voice);
    }
}
