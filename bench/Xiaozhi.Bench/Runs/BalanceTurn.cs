namespace Xiaozhi.Bench.Runs;

/// <summary>
/// One chat turn as a device of the balancing run saw it: the case it was sent in, chat → first binary frame (null when
/// none came), chat → its end (tts stop, an alert, a close or the timeout), and how it ended.
/// </summary>
public sealed record BalanceTurn(string Case, double? FirstAudioMs, double EndMs, BalanceTurnEnd End);
