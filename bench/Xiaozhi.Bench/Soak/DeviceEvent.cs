namespace Xiaozhi.Bench.Soak;

/// <summary>
/// One thing a device saw or did, at <see cref="At"/> (time since the run started), on its
/// <see cref="Connection"/>-th connection (numbered per device from 1 by <see cref="DeviceHistory.NextConnection"/>).
/// </summary>
internal abstract record DeviceEvent(TimeSpan At, int Connection);
