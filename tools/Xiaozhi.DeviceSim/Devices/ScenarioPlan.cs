namespace Xiaozhi.DeviceSim.Devices;

/// <summary>What the talking devices of a fleet do, and how many of them talk.</summary>
public sealed record ScenarioPlan
{
    /// <summary>The talking devices' scenario.</summary>
    public Scenario Scenario { get; init; } = Scenario.Echo;

    /// <summary>Percentage (0–100) of devices that run <see cref="Scenario"/>; the others stay idle.</summary>
    public double TalkingPercent { get; init; } = 100;

    /// <summary>Echo: probe frames per second per device.</summary>
    public double Rate { get; init; } = 50;

    /// <summary>Voice: frames per utterance (60 ms each).</summary>
    public int UtteranceFrames { get; init; } = 25;

    /// <summary>Voice/chat: pause after a turn's reply before the next turn.</summary>
    public TimeSpan PauseBetweenTurns { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>True when device <paramref name="index"/> of the fleet talks (spread evenly over indexes).</summary>
    public bool Talks(int index)
    {
        if (Scenario == Scenario.Idle || TalkingPercent <= 0)
        {
            return false;
        }

        // In decimal: 29 % of 100 devices is 29 talkers, not 28 (0.29 has no exact binary form).
        var percent = (decimal)Math.Min(TalkingPercent, 100);
        return Math.Floor((index + 1) * percent / 100m) > Math.Floor(index * percent / 100m);
    }
}
