namespace Xiaozhi.Bench.Soak;

/// <summary>What every soak device shares: where to dial, how to sign its token, its clock, and where it records.</summary>
internal sealed record SoakDeviceSettings
{
    /// <summary>The balancer's device URL.</summary>
    public required Uri Url { get; init; }

    public required string Secret { get; init; }

    /// <summary>Seeds each device's choices (with its index).</summary>
    public required int Seed { get; init; }

    public required SoakHistory History { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>Time since the run started: what events carry.</summary>
    public required Func<TimeSpan> Now { get; init; }

    /// <summary>The node holding a device's session (device id, session id), or null when the cluster never said.</summary>
    public required Func<string, string, Task<string?>> LookupNode { get; init; }
}
