using System.Globalization;
using Xiaozhi.DeviceSim.Devices;
using static Xiaozhi.DeviceSim.Cli.OptionValues;

namespace Xiaozhi.DeviceSim.Cli;

/// <summary>Parses the command line (<c>--name value</c> pairs and flags).</summary>
public static class SimArguments
{
    /// <summary>The usage text.</summary>
    public const string Help = """
        Xiaozhi device simulator: N devices speaking the xiaozhi WebSocket protocol against one URL (loopback only).

        Usage: dotnet Xiaozhi.DeviceSim.dll [options]

          --url URL             ws://127.0.0.1:8000/xiaozhi/v1/ (only 127.0.0.0/8, ::1 or localhost)
          -n, --devices N       devices (10)
          --secret S            mint an HS256 token per device from this secret (device_id, user_id, exp)
          --token JWT           send this token instead (one for every device)
          --user-id N           user_id claim of minted tokens (1)
          --protocol 1|2|3      binary frame layout and Protocol-Version header (1)
          --scenario NAME       idle | chat | voice | echo | mix (voice)
                                  voice: listen start, 60 ms frames at real time, listen stop, wait for tts stop
                                  chat:  a typed chat turn, wait for tts stop
                                  echo:  probe frames at --rate, each matched to its echo (the stub's --Stub:Mode echo)
                                  mix:   voice or chat at random per turn
          --talking PCT         percentage of devices that run the scenario; the rest stay idle (100)
          --rate R              echo: frames per second per device (50)
          --frame-bytes B       audio payload bytes per frame, before the v2/v3 header (160; echo needs >= 28)
          --utterance-frames N  voice: frames per utterance (25 = 1.5 s)
          --pause SECONDS       voice/chat: pause after each reply (1)
          --ramp R              connections per second, 0 = unpaced (200)
          --duration SECONDS    scenario time after everyone connected (30)
          --warmup SECONDS      scenario time before that, not counted (0)
          --device-prefix N     second octet of the generated MACs 02:NN:.. (0), to run fleets side by side
          --json                print the result as JSON on stdout (progress stays on stderr)
          --quiet               no progress line
          -h, --help            this text

        Output: a live line on stderr (connected / talking / frames/s / errors), then percentiles of the echo round
        trip from the actual send time and from the intended send time (coordinated omission), of turn replies, of
        connect time, and errors by kind. Exit code 0, or 1 when no device connected.
        """;

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--json", "--quiet", "-h", "--help", "-?" };

    /// <summary>True when help was asked for (a help flag in an option's place, not as another option's value: <c>--secret -h</c> is a secret).</summary>
    public static bool WantsHelp(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-h" or "--help" or "-?")
            {
                return true;
            }

            if (!Flags.Contains(args[i]))
            {
                i++; // the option's value
            }
        }

        return false;
    }

    /// <summary>Parses; throws <see cref="FormatException"/> with a message naming the option on bad input.</summary>
    public static SimOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new SimOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{name} needs a value.");
                }

                return args[++i];
            }

            options = name switch
            {
                "--url" => options with { Url = ParseUrl(Value()) },
                "-n" or "--devices" => options with { Devices = Int(name, Value(), 1, 100_000) },
                "--secret" => options with { Secret = Value() },
                "--token" => options with { Token = Value() },
                "--user-id" => options with { UserId = Long(name, Value(), 0, long.MaxValue) },
                "--protocol" => options with { Protocol = Int(name, Value(), 1, 3) },
                "--scenario" => options with { Scenario = ParseScenario(Value()) },
                "--talking" => options with { TalkingPercent = Double(name, Value(), 0, 100) },
                "--rate" => options with { Rate = Double(name, Value(), 0.01, 10_000) },
                "--frame-bytes" => options with { FrameBytes = Int(name, Value(), 0, 65_535) },
                "--utterance-frames" => options with { UtteranceFrames = Int(name, Value(), 1, 10_000) },
                "--pause" => options with { Pause = TimeSpan.FromSeconds(Double(name, Value(), 0, 3600)) },
                "--ramp" => options with { Ramp = Double(name, Value(), 0, 1_000_000) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Double(name, Value(), 0, 86_400)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Double(name, Value(), 0, 3600)) },
                "--device-prefix" => options with { DeviceIdPrefix = (byte)Int(name, Value(), 0, 255) },
                "--json" => options with { Json = true },
                "--quiet" => options with { Quiet = true },
                _ => throw new FormatException($"Unknown option '{name}' (see --help)."),
            };
        }

        if (options.Scenario == Scenario.Echo && options.FrameBytes < 28)
        {
            throw new FormatException("--frame-bytes must be at least 28 for the echo scenario (the probe it carries).");
        }

        return options;
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || !LoopbackGuard.IsLoopback(url))
        {
            throw new FormatException($"--url '{text}' must be a ws:// or wss:// URL on a loopback address.");
        }

        return url;
    }

    private static Scenario ParseScenario(string text) => text.ToLowerInvariant() switch
    {
        "idle" => Scenario.Idle,
        "chat" => Scenario.Chat,
        "voice" => Scenario.Voice,
        "echo" => Scenario.Echo,
        "mix" => Scenario.Mix,
        _ => throw new FormatException($"--scenario '{text}' is not idle, chat, voice, echo or mix."),
    };
}
