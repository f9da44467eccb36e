namespace Xiaozhi.Bench.Soak;

/// <summary>The cluster keys whose lifetime the checker bounds.</summary>
internal enum KeyKind
{
    /// <summary><c>P device:{Device-Id}</c>: lives 3 × <c>Cluster:RefreshInterval</c>.</summary>
    Device,

    /// <summary><c>P node:{NodeId}</c>: lives 3 × <c>Cluster:HeartbeatInterval</c>.</summary>
    Node,
}
