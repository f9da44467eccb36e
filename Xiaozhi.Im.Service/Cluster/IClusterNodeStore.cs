namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// What <see cref="ClusterNodeService"/> needs of Redis for the node itself: the connection, the node key's heartbeat
/// and whether Redis answers. Failures throw and mark the store down, as in <see cref="IClusterStore"/>.
/// </summary>
internal interface IClusterNodeStore : IAsyncDisposable
{
    string NodeId { get; }

    ClusterKeys Keys { get; }

    /// <summary>True while Redis answers; false from the first failure until the next success.</summary>
    bool IsUp { get; }

    /// <summary>Raised (off the caller's path) when Redis answers again after being down.</summary>
    event Action? Restored;

    /// <summary>Raised when the connection came back or moved to a new primary (the node then probes at once instead of on its next beat).</summary>
    event Action? Reconnected;

    void MarkDown(string problem);

    /// <summary>Connects without waiting for Redis to answer (start-up is never blocked by an outage).</summary>
    Task ConnectAsync();

    /// <summary>Beats the node key; <paramref name="instance"/> tells this process from another with the same node id.</summary>
    Task HeartbeatAsync(string instance, IReadOnlyList<KeyValuePair<string, string>> fields);

    /// <summary>The node key's last beat, or null when there is no node key.</summary>
    Task<NodeBeat?> ReadBeatAsync();

    Task DeleteNodeKeyAsync();
}
