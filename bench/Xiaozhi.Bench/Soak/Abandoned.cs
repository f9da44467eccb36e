namespace Xiaozhi.Bench.Soak;

/// <summary>
/// The device dropped the connection without closing it (a board that lost power) and will reconnect; the driver
/// keeps reading it, so the server's close of it is still recorded as <see cref="Closed"/>.
/// </summary>
internal sealed record Abandoned(TimeSpan At, int Connection) : DeviceEvent(At, Connection);
