namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The label <c>outcome</c> of <c>xiaozhi.im.cluster.claims</c>.</summary>
internal enum ClaimOutcome
{
    /// <summary>Nobody owned the device (or this connection already did).</summary>
    Claimed,

    /// <summary>A live owner was kicked and got the kick.</summary>
    Replaced,

    /// <summary>The owner's node was gone (nobody received the kick).</summary>
    TakenOver,

    /// <summary>409 under Reject.</summary>
    Rejected,

    /// <summary>Redis down or slow: admitted on the node's own knowledge, claimed by the refresh.</summary>
    Deferred,
}
