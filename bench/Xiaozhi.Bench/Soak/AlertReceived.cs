namespace Xiaozhi.Bench.Soak;

/// <summary>The gateway told the device something went wrong (a JSON alert).</summary>
internal sealed record AlertReceived(TimeSpan At, int Connection, string Text) : DeviceEvent(At, Connection);
