namespace Xiaozhi.Bench.Soak;

/// <summary>The device sent its <c>hello</c>.</summary>
internal sealed record HelloSent(TimeSpan At, int Connection) : DeviceEvent(At, Connection);
