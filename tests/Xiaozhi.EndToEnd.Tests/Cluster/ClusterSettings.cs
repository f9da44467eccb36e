using System.Globalization;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>The cluster settings a test node gets: short intervals so every scenario finishes in seconds.</summary>
internal sealed record ClusterSettings(string Redis, string KeyPrefix, string Policy = "Replace")
{
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public static ClusterSettings For(RedisServer redis, string policy = "Replace") =>
        new(redis.Configuration, $"t{Guid.NewGuid():N}"[..9] + ":", policy);

    public string[] Args(string nodeId) =>
    [
        "--Cluster:Redis", Redis,
        "--Cluster:NodeId", nodeId,
        "--Cluster:KeyPrefix", KeyPrefix,
        "--Cluster:RefreshInterval", RefreshInterval.ToString("c", CultureInfo.InvariantCulture),
        "--Cluster:HeartbeatInterval", HeartbeatInterval.ToString("c", CultureInfo.InvariantCulture),
        "--Sessions:DuplicateDevicePolicy", Policy,
    ];
}
