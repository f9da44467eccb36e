namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The default endpoint policy (<c>Ai:Balancing:Policy</c> <c>PeakEwma</c>): power of two choices over a cost of
/// latency × load. Candidates are the healthy endpoints that are not ejected (else the healthy ones, else all, as the
/// verdicts may be stale). Two are drawn at random and the cheaper goes first, the rest follow by cost (fallbacks when
/// the first does not connect). The random draw keeps several gateway nodes, each with its own view, from all piling
/// onto the same endpoint; comparing two keeps a slow or busy one from being picked often.
/// </summary>
/// <remarks>
/// Cost = max(1 ms, latency estimate) × (turns in progress + <see cref="SessionWeight"/> × open streams + 1) ÷ weight.
/// The latency estimate is the endpoint's peak-EWMA of time to first answer, relaxing toward the median of its peers'
/// while it has no answers (<see cref="AiEndpointBalance.EstimateMs"/>), so an endpoint avoided for being slow is tried
/// again and can show it recovered.
/// </remarks>
internal sealed class PeakEwmaEndpointPolicy : IAiEndpointPolicy
{
    /// <summary>What an open session weighs against a turn waiting for its answer: idle sessions cost little, but some.</summary>
    public const double SessionWeight = 0.1;

    private readonly Random _random;
    private readonly Lock _gate = new();

    /// <summary>Creates the policy; <paramref name="random"/> (seeded in tests) draws the two candidates.</summary>
    public PeakEwmaEndpointPolicy(Random? random = null)
    {
        _random = random ?? Random.Shared;
    }

    /// <inheritdoc />
    public IReadOnlyList<AiEndpoint> Order(IReadOnlyList<AiEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count <= 1)
        {
            return endpoints;
        }

        var candidates = endpoints.Where(e => e.IsHealthy && !e.IsEjected).ToArray();
        if (candidates.Length == 0)
        {
            candidates = [.. endpoints.Where(e => e.IsHealthy)];
        }

        if (candidates.Length == 0)
        {
            candidates = [.. endpoints];
        }

        if (candidates.Length == 1)
        {
            return candidates;
        }

        var costs = Costs(candidates);
        int first, second;
        lock (_gate)
        {
            first = _random.Next(candidates.Length);
            second = _random.Next(candidates.Length - 1);
        }

        if (second >= first)
        {
            second++;
        }

        if (costs[second] < costs[first])
        {
            (first, second) = (second, first);
        }

        var order = new List<AiEndpoint>(candidates.Length) { candidates[first], candidates[second] };
        order.AddRange(Enumerable.Range(0, candidates.Length)
            .Where(i => i != first && i != second)
            .OrderBy(i => costs[i])
            .Select(i => candidates[i]));
        return order;
    }

    /// <summary>The cost of each endpoint now (lower is better).</summary>
    public static double[] Costs(IReadOnlyList<AiEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var latencies = endpoints.Select(e => e.Balance.LatencyMs).ToArray();
        var costs = new double[endpoints.Count];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            var estimate = endpoint.Balance.EstimateMs(MedianOfOthers(latencies, i));
            var load = endpoint.Balance.TurnsInProgress + (SessionWeight * endpoint.ActiveStreams) + 1;
            costs[i] = Math.Max(1, estimate) * load / endpoint.Weight;
        }

        return costs;
    }

    private static double? MedianOfOthers(double?[] latencies, int self)
    {
        var others = latencies.Where((l, i) => i != self && l is not null).Select(l => l!.Value).Order().ToArray();
        if (others.Length == 0)
        {
            return null;
        }

        var middle = others.Length / 2;
        return others.Length % 2 == 1 ? others[middle] : (others[middle - 1] + others[middle]) / 2;
    }
}
