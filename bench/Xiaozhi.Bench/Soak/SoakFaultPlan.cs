namespace Xiaozhi.Bench.Soak;

/// <summary>
/// The seeded fault schedule: after a warm-up, one fault every ~20 s (jittered), the first five one of each kind in a
/// seeded order, then kinds at random; nothing in the last stretch, so reconnects and keys settle before the check. The
/// run injects them one at a time (a fault due while the previous one is still in effect waits for it).
/// </summary>
internal static class SoakFaultPlan
{
    private static readonly TimeSpan Spacing = TimeSpan.FromSeconds(20);

    public static IReadOnlyList<SoakFault> Create(int seed, TimeSpan duration, int nodes, int stubs)
    {
        var random = new Random(seed);
        var warmUp = Min(TimeSpan.FromSeconds(10), duration / 8);
        var settle = Min(TimeSpan.FromSeconds(20), duration / 6);
        var window = duration - warmUp - settle;
        var kinds = Enum.GetValues<FaultKind>();
        var count = Math.Max(kinds.Length, (int)(window / Spacing));
        var interval = window / count;
        var first = kinds.ToArray();
        random.Shuffle(first);
        var plan = new List<SoakFault>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = i < first.Length ? first[i] : kinds[random.Next(kinds.Length)];
            var jitter = interval * ((random.NextDouble() - 0.5) / 2);
            var target = kind switch
            {
                FaultKind.NodeKilled or FaultKind.NodeDrained => random.Next(nodes),
                FaultKind.AiStubKilled => random.Next(stubs),
                _ => 0,
            };
            plan.Add(new SoakFault(warmUp + (interval * i) + (interval / 2) + jitter, kind, target));
        }

        return plan;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
