namespace Xiaozhi.Im.Service.Cluster;

/// <summary>Several gateway nodes acting as one (section <c>Cluster</c>); off unless <see cref="Redis"/> is set.</summary>
internal sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>A StackExchange.Redis configuration string (<c>host:port,password=…</c>; Sentinel via <c>serviceName=</c>). Empty: single node.</summary>
    public string? Redis { get; set; }

    /// <summary>This node's id, stable across restarts; empty: host name + device port.</summary>
    public string? NodeId { get; set; }

    /// <summary>Prefix of every key and channel.</summary>
    public string KeyPrefix { get; set; } = "xiaozhi:im:";

    /// <summary>The longest an upgrade waits on Redis; past it the device is admitted and claimed when Redis answers.</summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the node re-asserts its device keys (repairs lost kicks, re-claims after an outage).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the node key is refreshed; it expires after three missed beats.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>Device keys live for three refresh intervals (a node that vanished without cleanup stops claiming them).</summary>
    public TimeSpan DeviceKeyTtl => RefreshInterval * 3;

    public TimeSpan NodeKeyTtl => HeartbeatInterval * 3;
}
