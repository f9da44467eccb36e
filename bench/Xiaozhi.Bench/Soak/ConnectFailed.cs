namespace Xiaozhi.Bench.Soak;

/// <summary>The upgrade failed (an HTTP status, a refused or reset socket); <see cref="Reason"/> says which.</summary>
internal sealed record ConnectFailed(TimeSpan At, int Connection, string Reason) : DeviceEvent(At, Connection);
