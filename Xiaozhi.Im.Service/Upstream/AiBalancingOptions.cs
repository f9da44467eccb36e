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
    /// Static weights, one per <see cref="AiOptions.Endpoints"/> entry in the same order (a <c>dns:///</c> entry's
    /// weight goes to each of its addresses); missing entries weigh 1. An endpoint of weight 2 looks half as costly.
    /// </summary>
    public List<double> Weights { get; set; } = [];

    /// <summary>Failures in a row (streams not opening or failing, turns answered with 999) that eject an endpoint; 0 = never. Default 5.</summary>
    public int EjectAfterFailures { get; set; } = 5;

    /// <summary>The first ejection's length; the nth in a row lasts n times as long. Default 30 s.</summary>
    public TimeSpan EjectionTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest ejection. Default 5 min.</summary>
    public TimeSpan MaxEjectionTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest share of the endpoints ejected at once, in percent (rounded down). Default 50.</summary>
    public int MaxEjectionPercent { get; set; } = 50;

    /// <summary>The weight of entry <paramref name="index"/> of <see cref="AiOptions.Endpoints"/>.</summary>
    public double WeightOf(int index) => index < Weights.Count ? Weights[index] : 1;
}
