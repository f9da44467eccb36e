namespace Xiaozhi.Im.Service.Upstream;

/// <summary>How endpoints are chosen and when one is ejected (section <c>Ai:Balancing</c>).</summary>
internal sealed class AiBalancingOptions
{
    /// <summary>The choice for new sessions, resumes and moves. Default <see cref="AiBalancingPolicy.PeakEwma"/>.</summary>
    public AiBalancingPolicy Policy { get; set; } = AiBalancingPolicy.PeakEwma;

    /// <summary>
    /// The time constant of the latency estimate: a faster answer pulls it down over about this long (a slower one
    /// raises it at once), and an endpoint without turns for this long is 63 % of the way back to its peers' figure.
    /// Default 10 s.
    /// </summary>
    public TimeSpan DecayTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// What a failure (a turn answered with 999, a stream that did not open or failed) costs in the latency estimate: it
    /// counts as an answer this slow, so a failing endpoint loses share before it is ejected; 0 = no cost. Default 5 s.
    /// </summary>
    public TimeSpan FailurePenalty { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Static weights, one per <see cref="AiOptions.Endpoints"/> entry in the same order (a <c>dns:///</c> entry's
    /// weight goes to each of its addresses); missing entries weigh 1. An endpoint of weight 2 looks half as costly.
    /// </summary>
    public List<double> Weights { get; set; } = [];

    /// <summary>Failures in a row (streams not opening or failing, turns answered with 999) that eject an endpoint; 0 = never. Default 5.</summary>
    public int EjectAfterFailures { get; set; } = 5;

    /// <summary>
    /// The share of an endpoint's outcomes in <see cref="OutlierWindow"/> (answered turns and failures) that, failed,
    /// ejects it even when its failures are never in a row, in percent; 0 = off. Default 30.
    /// </summary>
    public int EjectFailurePercent { get; set; } = 30;

    /// <summary>
    /// An endpoint's time to first answer, averaged over <see cref="OutlierWindow"/>, that many times the median of its
    /// peers' ejects it (judged with at least two peers that answered in the window); 0 = off. Default 5.
    /// </summary>
    public double EjectLatencyFactor { get; set; } = 5;

    /// <summary>
    /// The recent past the failure-rate and latency rules judge (whole seconds, at most 10 min), as Envoy's 10 s
    /// interval: an endpoint failing a third of its turns reaches 30 % of a window that still holds its good turns from
    /// before after 0.9 of it. Default 10 s.
    /// </summary>
    public TimeSpan OutlierWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Outcomes an endpoint needs before the failure-rate rule judges it (answered turns in <see cref="OutlierWindow"/>
    /// before the latency rule does), so a few bad requests cannot eject it. When the window holds fewer, the failure-rate
    /// rule judges the last this many outcomes (of the last 10 min): a quiet or avoided endpoint is judged too. Default 20.
    /// </summary>
    public int MinTurnsToJudge { get; set; } = 20;

    /// <summary>The first ejection's length; the nth in a row lasts n times as long. Default 30 s.</summary>
    public TimeSpan EjectionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest ejection. Default 5 min.</summary>
    public TimeSpan MaxEjectionTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest share of the endpoints ejected at once, in percent (rounded down). Default 50.</summary>
    public int MaxEjectionPercent { get; set; } = 50;

    /// <summary>The weight of entry <paramref name="index"/> of <see cref="AiOptions.Endpoints"/>.</summary>
    public double WeightOf(int index) => index < Weights.Count ? Weights[index] : 1;
}
