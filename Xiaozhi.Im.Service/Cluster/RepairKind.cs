namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The label <c>kind</c> of <c>xiaozhi.im.cluster.repairs</c>.</summary>
internal enum RepairKind
{
    /// <summary>A newer connection owns the device: the local session was closed (its kick was lost).</summary>
    ClosedStale,

    /// <summary>The key was gone: re-created.</summary>
    Reclaimed,

    /// <summary>An older connection held the key (a duplicate after an outage): taken, its owner kicked.</summary>
    TookOlder,
}
