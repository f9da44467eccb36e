namespace Xiaozhi.Bench.Soak;

/// <summary>
/// The connection ended as the device saw it: a close frame (<see cref="Code"/>, <see cref="Reason"/>), or no close
/// frame at all (<see cref="Code"/> null: a reset or a dead peer).
/// </summary>
internal sealed record Closed(TimeSpan At, int Connection, int? Code, string Reason) : DeviceEvent(At, Connection);
