namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The default endpoint policy: only healthy endpoints (serving or not checked yet) are candidates — all endpoints
/// when none is healthy, since the health verdict may be stale and connectivity decides then — ordered by fewest open
/// streams, ties broken round robin so equal endpoints share the load.
/// </summary>
internal sealed class LeastSessionsEndpointPolicy : IAiEndpointPolicy
{
    private int _next = -1;

    /// <inheritdoc />
    public IReadOnlyList<AiEndpoint> Order(IReadOnlyList<AiEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count <= 1)
        {
            return endpoints;
        }

        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)endpoints.Count);
        var rotated = Enumerable.Range(0, endpoints.Count).Select(i => endpoints[(start + i) % endpoints.Count]).ToArray();
        var healthy = rotated.Where(e => e.IsHealthy).ToArray();
        var candidates = healthy.Length > 0 ? healthy : rotated;

        // Stable sort: equal counts keep the rotated (round robin) order.
        return candidates.OrderBy(e => e.ActiveStreams).ToArray();
    }
}
