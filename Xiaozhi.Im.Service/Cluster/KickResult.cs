namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The label <c>result</c> of <c>xiaozhi.im.cluster.kicks</c>.</summary>
internal enum KickResult
{
    /// <summary>Sent: a subscriber of the owner's node got it.</summary>
    Delivered,

    /// <summary>Sent: nobody listened (the owner's node is gone).</summary>
    OwnerGone,

    /// <summary>Received: the named session was live here and is closed.</summary>
    Closed,

    /// <summary>Received: no such claim here (late, duplicated, or not registered yet: remembered for a minute).</summary>
    Stale,
}
