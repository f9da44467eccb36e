namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>A node's wall clock set off by <paramref name="offset"/> (timers and timestamps stay real), as on a host whose NTP failed.</summary>
internal sealed class SkewedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
