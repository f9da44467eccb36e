namespace Xiaozhi.Bench.Soak;

/// <summary>
/// A chat or voice turn began; the driver knows what a complete answer is (the stub's text types in order, and the
/// hash of the audio it echoes byte for byte).
/// </summary>
internal sealed record TurnStarted(TimeSpan At, int Connection, int Turn, IReadOnlyList<string> ExpectedTextTypes, string ExpectedAudioHash)
    : DeviceEvent(At, Connection);
