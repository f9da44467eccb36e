namespace Xiaozhi.Bench.Soak;

/// <summary>A reconnect: from its first attempt to its hello answered (or the run's end), and what made it take that long.</summary>
internal sealed record ReconnectTime(string DeviceId, TimeSpan From, TimeSpan Elapsed, bool Answered, string Cause);
