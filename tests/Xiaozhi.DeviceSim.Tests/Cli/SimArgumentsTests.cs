using Xiaozhi.DeviceSim.Cli;
using Xiaozhi.DeviceSim.Devices;

namespace Xiaozhi.DeviceSim.Tests.Cli;

public sealed class SimArgumentsTests
{
    private static SimOptions Parse(params string[] args) => SimArguments.Parse(args);

    [Test]
    public void No_arguments_give_the_documented_defaults()
    {
        var options = Parse();

        options.Url.Should().Be(new Uri("ws://127.0.0.1:8000/xiaozhi/v1/"));
        options.Devices.Should().Be(10);
        options.Secret.Should().BeNull();
        options.Token.Should().BeNull();
        options.UserId.Should().Be(1);
        options.Protocol.Should().Be(1);
        options.Scenario.Should().Be(Scenario.Voice);
        options.TalkingPercent.Should().Be(100);
        options.Rate.Should().Be(50);
        options.FrameBytes.Should().Be(160);
        options.UtteranceFrames.Should().Be(25);
        options.Pause.Should().Be(TimeSpan.FromSeconds(1));
        options.Ramp.Should().Be(200);
        options.Duration.Should().Be(TimeSpan.FromSeconds(30));
        options.Warmup.Should().Be(TimeSpan.Zero);
        options.DeviceIdPrefix.Should().Be(0);
        options.Json.Should().BeFalse();
        options.Quiet.Should().BeFalse();
    }

    [Test]
    public void The_help_text_documents_the_same_defaults_the_parser_uses()
    {
        var defaults = Parse();

        SimArguments.Help.Should().Contain($"-n, --devices N       devices ({defaults.Devices})");
        SimArguments.Help.Should().Contain($"--protocol 1|2|3      binary frame layout and Protocol-Version header ({defaults.Protocol})");
        SimArguments.Help.Should().Contain($"--rate R              echo: frames per second per device ({defaults.Rate})");
        SimArguments.Help.Should().Contain($"--frame-bytes B       audio payload bytes per frame, before the v2/v3 header ({defaults.FrameBytes};");
        SimArguments.Help.Should().Contain($"--ramp R              connections per second, 0 = unpaced ({defaults.Ramp})");
        SimArguments.Help.Should().Contain($"--duration SECONDS    scenario time after everyone connected ({defaults.Duration.TotalSeconds})");
        SimArguments.Help.Should().Contain($"({defaults.Scenario.ToString().ToLowerInvariant()})");
    }

    [Test]
    public void Every_option_is_parsed_into_its_field()
    {
        var options = Parse(
            "--url", "ws://localhost:9001/custom/",
            "--devices", "1234",
            "--secret", "s3cret",
            "--token", "a.b.c",
            "--user-id", "987654321012",
            "--protocol", "3",
            "--scenario", "echo",
            "--talking", "12.5",
            "--rate", "0.5",
            "--frame-bytes", "640",
            "--utterance-frames", "7",
            "--pause", "2.5",
            "--ramp", "0",
            "--duration", "90",
            "--warmup", "4",
            "--device-prefix", "171",
            "--json",
            "--quiet");

        options.Should().Be(new SimOptions
        {
            Url = new Uri("ws://localhost:9001/custom/"),
            Devices = 1234,
            Secret = "s3cret",
            Token = "a.b.c",
            UserId = 987_654_321_012,
            Protocol = 3,
            Scenario = Scenario.Echo,
            TalkingPercent = 12.5,
            Rate = 0.5,
            FrameBytes = 640,
            UtteranceFrames = 7,
            Pause = TimeSpan.FromSeconds(2.5),
            Ramp = 0,
            Duration = TimeSpan.FromSeconds(90),
            Warmup = TimeSpan.FromSeconds(4),
            DeviceIdPrefix = 171,
            Json = true,
            Quiet = true,
        });
    }

    [Test]
    public void Short_n_is_the_same_as_devices()
    {
        Parse("-n", "3").Devices.Should().Be(3);
    }

    [Test]
    public void Json_flag_alone_turns_on_json_and_nothing_else()
    {
        Parse("--json").Should().Be(new SimOptions { Json = true });
    }

    [Test]
    public void A_later_occurrence_of_an_option_wins()
    {
        Parse("--devices", "5", "--devices", "6").Devices.Should().Be(6);
    }

    [TestCase("idle", Scenario.Idle)]
    [TestCase("chat", Scenario.Chat)]
    [TestCase("voice", Scenario.Voice)]
    [TestCase("echo", Scenario.Echo)]
    [TestCase("mix", Scenario.Mix)]
    [TestCase("MIX", Scenario.Mix)]
    [TestCase("Echo", Scenario.Echo)]
    public void Scenario_names_are_case_insensitive(string name, Scenario expected)
    {
        Parse("--scenario", name).Scenario.Should().Be(expected);
    }

    [TestCase("ws://127.0.0.1:8000/xiaozhi/v1/")]
    [TestCase("ws://127.1.2.3/")]
    [TestCase("wss://localhost/x")]
    [TestCase("ws://LOCALHOST:1/")]
    [TestCase("ws://[::1]:8000/")]
    public void Loopback_urls_are_accepted(string url)
    {
        Parse("--url", url).Url.Should().Be(new Uri(url));
    }

    [TestCase("http://127.0.0.1:8000/")]
    [TestCase("ws://10.0.0.1:8000/")]
    [TestCase("ws://example.com/")]
    [TestCase("ws://127.0.0.1.example.com/")]
    [TestCase("not a url")]
    [TestCase("/relative/path")]
    public void Non_loopback_or_non_websocket_urls_are_rejected_naming_url(string url)
    {
        var parse = () => Parse("--url", url);

        parse.Should().Throw<FormatException>().Which.Message.Should().Contain("--url").And.Contain(url);
    }

    [TestCase("--devices", "0")]
    [TestCase("--devices", "100001")]
    [TestCase("--devices", "ten")]
    [TestCase("--devices", "1.5")]
    [TestCase("-n", "-1")]
    [TestCase("--protocol", "0")]
    [TestCase("--protocol", "4")]
    [TestCase("--talking", "-0.1")]
    [TestCase("--talking", "100.5")]
    [TestCase("--talking", "NaN")]
    [TestCase("--rate", "0")]
    [TestCase("--rate", "10001")]
    [TestCase("--rate", "Infinity")]
    [TestCase("--frame-bytes", "-1")]
    [TestCase("--frame-bytes", "65536")]
    [TestCase("--utterance-frames", "0")]
    [TestCase("--utterance-frames", "10001")]
    [TestCase("--pause", "-1")]
    [TestCase("--pause", "3601")]
    [TestCase("--ramp", "-5")]
    [TestCase("--ramp", "1000001")]
    [TestCase("--duration", "-1")]
    [TestCase("--duration", "86401")]
    [TestCase("--duration", "1,5")]
    [TestCase("--warmup", "3601")]
    [TestCase("--device-prefix", "256")]
    [TestCase("--device-prefix", "-1")]
    public void Out_of_range_or_malformed_values_are_rejected_naming_the_option(string option, string value)
    {
        var parse = () => Parse(option, value);

        parse.Should().Throw<FormatException>().Which.Message.Should().StartWith(option + " must be");
    }

    [TestCase("--devices", "1")]
    [TestCase("--devices", "100000")]
    [TestCase("--protocol", "1")]
    [TestCase("--protocol", "3")]
    [TestCase("--talking", "0")]
    [TestCase("--talking", "100")]
    [TestCase("--rate", "0.01")]
    [TestCase("--rate", "10000")]
    [TestCase("--frame-bytes", "0")]
    [TestCase("--frame-bytes", "65535")]
    [TestCase("--pause", "0")]
    [TestCase("--duration", "86400")]
    [TestCase("--device-prefix", "255")]
    public void Range_bounds_are_inclusive(string option, string value)
    {
        var parse = () => Parse(option, value);

        parse.Should().NotThrow();
    }

    [Test]
    public void Numbers_are_read_with_the_invariant_culture()
    {
        Parse("--rate", "1e3").Rate.Should().Be(1000);
        Parse("--pause", "0.25").Pause.Should().Be(TimeSpan.FromMilliseconds(250));
    }

    [TestCase("--url")]
    [TestCase("--devices")]
    [TestCase("-n")]
    [TestCase("--secret")]
    [TestCase("--token")]
    [TestCase("--user-id")]
    [TestCase("--protocol")]
    [TestCase("--scenario")]
    [TestCase("--talking")]
    [TestCase("--rate")]
    [TestCase("--frame-bytes")]
    [TestCase("--utterance-frames")]
    [TestCase("--pause")]
    [TestCase("--ramp")]
    [TestCase("--duration")]
    [TestCase("--warmup")]
    [TestCase("--device-prefix")]
    public void An_option_without_its_value_is_rejected_naming_it(string option)
    {
        var parse = () => Parse("--json", option);

        parse.Should().Throw<FormatException>().WithMessage(option + " needs a value.");
    }

    [TestCase("--bogus")]
    [TestCase("-h")]
    [TestCase("devices")]
    public void Unknown_options_are_rejected_naming_them(string option)
    {
        var parse = () => Parse(option);

        parse.Should().Throw<FormatException>().Which.Message.Should().Contain($"'{option}'");
    }

    [Test]
    public void Unknown_scenario_is_rejected_naming_scenario()
    {
        var parse = () => Parse("--scenario", "dance");

        parse.Should().Throw<FormatException>().Which.Message.Should().Contain("--scenario").And.Contain("dance");
    }

    [TestCase("abc")]
    [TestCase("-1")]
    [TestCase("99999999999999999999")]
    public void A_bad_user_id_is_rejected_with_a_message_naming_the_option(string value)
    {
        var parse = () => Parse("--user-id", value);

        parse.Should().Throw<FormatException>().Which.Message.Should().Be("--user-id must be an integer from 0 to 9223372036854775807.");
    }

    [Test]
    public void A_help_flag_given_as_another_options_value_is_that_value()
    {
        SimArguments.WantsHelp(["--secret", "-h"]).Should().BeFalse();
        Parse("--secret", "-h").Secret.Should().Be("-h");
        SimArguments.WantsHelp(["--json", "-h"]).Should().BeTrue("--json takes no value");
        SimArguments.WantsHelp(["--secret", "s", "--help"]).Should().BeTrue();
    }

    [TestCase("--frame-bytes", "27", "--scenario", "echo")]
    [TestCase("--scenario", "echo", "--frame-bytes", "0")]
    public void Echo_needs_room_for_a_probe_whatever_the_option_order(string a, string b, string c, string d)
    {
        var parse = () => Parse(a, b, c, d);

        parse.Should().Throw<FormatException>().Which.Message.Should().Contain("--frame-bytes").And.Contain("echo");
    }

    [Test]
    public void Echo_accepts_a_payload_of_exactly_one_probe()
    {
        Parse("--scenario", "echo", "--frame-bytes", "28").FrameBytes.Should().Be(28);
    }

    [Test]
    public void Small_frames_are_fine_outside_echo()
    {
        Parse("--scenario", "voice", "--frame-bytes", "0").FrameBytes.Should().Be(0);
    }

    [TestCase("-h")]
    [TestCase("--help")]
    [TestCase("-?")]
    public void Help_flags_are_recognised_anywhere(string flag)
    {
        SimArguments.WantsHelp(["--devices", "3", flag]).Should().BeTrue();
    }

    [Test]
    public void No_help_flag_means_no_help()
    {
        SimArguments.WantsHelp(["--devices", "3", "--json", "--helpful"]).Should().BeFalse();
    }

    [Test]
    public void Null_arguments_are_refused()
    {
        var parse = () => SimArguments.Parse(null!);

        parse.Should().Throw<ArgumentNullException>();
    }
}
