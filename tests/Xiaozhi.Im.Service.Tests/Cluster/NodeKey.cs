namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>One node key in <see cref="InMemoryRedis"/>: its last beat and when its TTL ends (Redis' clock).</summary>
internal sealed record NodeKey(string Instance, long BeatAtUnixMs, long ExpiresAtUnixMs, IReadOnlyDictionary<string, string> Fields);
