namespace Xiaozhi.Bench.Soak;

/// <summary>The server <c>hello</c> arrived: the device can talk.</summary>
internal sealed record HelloAnswered(TimeSpan At, int Connection) : DeviceEvent(At, Connection);
