namespace Xiaozhi.Bench.Soak;

/// <summary>The upgrade succeeded: a live session on <see cref="NodeId"/> (the node as the device learns it).</summary>
internal sealed record Connected(TimeSpan At, int Connection, string NodeId, string SessionId) : DeviceEvent(At, Connection);
