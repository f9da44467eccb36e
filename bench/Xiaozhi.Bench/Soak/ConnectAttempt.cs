namespace Xiaozhi.Bench.Soak;

/// <summary>The device began a WebSocket upgrade (through the balancer).</summary>
internal sealed record ConnectAttempt(TimeSpan At, int Connection) : DeviceEvent(At, Connection);
