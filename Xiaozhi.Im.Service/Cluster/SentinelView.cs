using System.Net;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What one sentinel says of the service: its primary's address and the configuration epoch of that view.</summary>
internal sealed record SentinelView(EndPoint Primary, long ConfigEpoch)
{
    /// <summary>
    /// The primary to follow: the one named with the newest configuration epoch (each failover raises the epoch, so a
    /// sentinel that has not heard of the latest one yet is outvoted by the one that led it); null when none answered.
    /// </summary>
    public static EndPoint? Newest(IEnumerable<SentinelView?> views) =>
        views.OfType<SentinelView>().MaxBy(v => v.ConfigEpoch)?.Primary;

    /// <summary>
    /// The node's next step: <paramref name="named"/> is the primary the sentinels name (null: none answered),
    /// <paramref name="current"/> the data node the node is connected to, <paramref name="currentIsPrimary"/> whether it
    /// is reachable and answers as a primary. Only the named one counts: an old primary back on its port answers as a
    /// primary too (empty) until Sentinel turns it into a replica.
    /// </summary>
    public static PrimaryMove Next(EndPoint? named, EndPoint? current, bool currentIsPrimary)
    {
        if (named is null)
        {
            return PrimaryMove.Wait;
        }

        if (current is null || !string.Equals(current.ToString(), named.ToString(), StringComparison.Ordinal))
        {
            return PrimaryMove.Switch;
        }

        return currentIsPrimary ? PrimaryMove.Settled : PrimaryMove.Wait;
    }
}
