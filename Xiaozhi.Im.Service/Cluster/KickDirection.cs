namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The label <c>direction</c> of <c>xiaozhi.im.cluster.kicks</c>.</summary>
internal enum KickDirection
{
    Sent,
    Received,
}
