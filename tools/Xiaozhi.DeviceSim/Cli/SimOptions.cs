using Xiaozhi.DeviceSim.Devices;

namespace Xiaozhi.DeviceSim.Cli;

/// <summary>The simulator's command line, parsed.</summary>
public sealed record SimOptions
{
    /// <summary>Target URL.</summary>
    public Uri Url { get; init; } = new("ws://127.0.0.1:8000/xiaozhi/v1/");

    public int Devices { get; init; } = 10;

    /// <summary>Secret to mint tokens from.</summary>
    public string? Secret { get; init; }

    /// <summary>A fixed token.</summary>
    public string? Token { get; init; }

    /// <summary>user_id claim.</summary>
    public long UserId { get; init; } = 1;

    /// <summary>Protocol version.</summary>
    public int Protocol { get; init; } = 1;

    /// <summary>Scenario of the talking devices.</summary>
    public Scenario Scenario { get; init; } = Scenario.Voice;

    /// <summary>Percentage of devices that talk.</summary>
    public double TalkingPercent { get; init; } = 100;

    /// <summary>Echo frames per second per device.</summary>
    public double Rate { get; init; } = 50;

    /// <summary>Payload bytes per audio frame.</summary>
    public int FrameBytes { get; init; } = 160;

    /// <summary>Frames per voice utterance.</summary>
    public int UtteranceFrames { get; init; } = 25;

    /// <summary>Pause between turns.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Connections per second (0 = no pacing).</summary>
    public double Ramp { get; init; } = 200;

    /// <summary>Scenario duration after everyone connected.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Scenario time discarded from the figures before <see cref="Duration"/>.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>Machine-readable output on stdout.</summary>
    public bool Json { get; init; }

    /// <summary>No progress line.</summary>
    public bool Quiet { get; init; }

    /// <summary>Second octet of generated MAC addresses.</summary>
    public byte DeviceIdPrefix { get; init; }

    /// <summary>The device settings these options describe.</summary>
    public DeviceSettings ToDeviceSettings() => new()
    {
        Url = Url,
        ProtocolVersion = Protocol,
        Secret = Secret,
        Token = Token,
        UserId = UserId,
        FrameBytes = FrameBytes,
        DeviceIdPrefix = DeviceIdPrefix,
    };

    /// <summary>The scenario plan these options describe.</summary>
    public ScenarioPlan ToPlan() => new()
    {
        Scenario = Scenario,
        TalkingPercent = TalkingPercent,
        Rate = Rate,
        UtteranceFrames = UtteranceFrames,
        PauseBetweenTurns = Pause,
    };
}
