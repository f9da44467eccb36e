namespace Xiaozhi.Bench.Runs;

/// <summary>
/// One case of the balancing run under one policy: the devices' turns, each endpoint's share of the turns that reached
/// first audio (from the IM's per-endpoint histogram counts), and the case's own findings as text.
/// </summary>
public sealed record BalanceCaseResult(string Case, string Policy, IReadOnlyList<BalanceTurn> Turns, IReadOnlyDictionary<string, double> Shares, int Closes, int ConnectFailures, string Note)
{
    /// <summary>Times to first audio (ms) of the turns that had one.</summary>
    public IReadOnlyList<double> FirstAudio => Turns.Where(t => t.FirstAudioMs is not null).Select(t => t.FirstAudioMs!.Value).ToList();
}
