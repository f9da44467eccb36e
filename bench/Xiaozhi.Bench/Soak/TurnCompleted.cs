namespace Xiaozhi.Bench.Soak;

/// <summary>The turn's last frame (<c>tts stop</c>) arrived; <see cref="AudioHash"/> is the hash of all its audio, in order.</summary>
internal sealed record TurnCompleted(TimeSpan At, int Connection, int Turn, string AudioHash) : DeviceEvent(At, Connection);
