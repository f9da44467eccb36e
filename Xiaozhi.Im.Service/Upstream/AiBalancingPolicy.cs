namespace Xiaozhi.Im.Service.Upstream;

/// <summary>How new sessions, resumes and moves choose their AI endpoint (<c>Ai:Balancing:Policy</c>).</summary>
internal enum AiBalancingPolicy
{
    /// <summary>Power of two choices over a peak-EWMA of time to first answer × (turns in progress + 1).</summary>
    PeakEwma,

    /// <summary>Fewest open ChatStreams, ties round robin.</summary>
    LeastSessions,
}
