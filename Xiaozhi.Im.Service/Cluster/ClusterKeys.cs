namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The names of every key and channel the cluster uses (docs/cluster.md lists them).</summary>
internal sealed class ClusterKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>Hash: the device's owner (node_id, session_id, client_id, connected_at, claim).</summary>
    public string Device(string deviceId) => $"{Prefix}device:{deviceId}";

    /// <summary>Hash: a node's heartbeat (sessions, state, device_url, started_at); short TTL.</summary>
    public string Node(string nodeId) => $"{Prefix}node:{nodeId}";

    /// <summary>Set: the device ids a node claimed (what it clears on start after a crash).</summary>
    public string NodeDevices(string nodeId) => $"{Prefix}node:{nodeId}:devices";

    /// <summary>Channel: kicks for the sessions of one node.</summary>
    public string Control(string nodeId) => $"{Prefix}node:{nodeId}:control";

    /// <summary>Channel: online/offline events for other services.</summary>
    public string Presence => $"{Prefix}presence";
}
