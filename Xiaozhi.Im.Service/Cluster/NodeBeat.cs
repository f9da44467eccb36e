namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What a node key says of its last heartbeat.</summary>
/// <param name="Instance">The process that wrote it (unique per start).</param>
/// <param name="BeatAtUnixMs">When, on Redis' clock.</param>
internal sealed record NodeBeat(string Instance, long BeatAtUnixMs);
