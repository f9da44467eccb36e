namespace Xiaozhi.Bench.Soak;

/// <summary>The bounds the checker applies; the TTLs follow the run's cluster settings (3 × the interval).</summary>
internal sealed record SoakBounds
{
    /// <summary>How many gateway nodes the run has (a reconnect is only held to <see cref="Hello"/> while one is up).</summary>
    public required int Nodes { get; init; }

    /// <summary>3 × <c>Cluster:RefreshInterval</c>.</summary>
    public required TimeSpan DeviceKeyTtl { get; init; }

    /// <summary>3 × <c>Cluster:HeartbeatInterval</c>.</summary>
    public required TimeSpan NodeKeyTtl { get; init; }

    /// <summary>An old session closes this soon after its device's new session while Redis answers (a kick).</summary>
    public TimeSpan Replace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a Redis outage ends: a node re-claims its sessions as soon as Redis answers again and the duplicate's kick
    /// follows; a lost kick is repaired by the next refresh. So one <c>Cluster:RefreshInterval</c> plus slack.
    /// </summary>
    public required TimeSpan AfterOutage { get; init; }

    /// <summary>A reconnect's hello is answered this soon while at least one node is up.</summary>
    public TimeSpan Hello { get; init; } = TimeSpan.FromSeconds(2);
}
