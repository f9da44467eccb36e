using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Management;

/// <summary>
/// Readiness for load balancers (<c>/readyz</c>): at least one AI endpoint answered its last HealthCheck with SERVING,
/// and the host is not stopping (draining). <see cref="IReadinessDetail"/> lines (the cluster state) are appended.
/// </summary>
internal sealed class ReadinessProbe(AiEndpointPool pool, GatewayDrain drain, IHostApplicationLifetime lifetime, IEnumerable<IReadinessDetail> details)
{
    /// <summary>Evaluates readiness now, with the detail lines.</summary>
    public Readiness Evaluate()
    {
        var state = EvaluateCore();
        var lines = details.Select(d => d.Describe()).ToList();
        return lines.Count == 0 ? state : state with { Reason = string.Join('\n', [state.Reason, .. lines]) };
    }

    private Readiness EvaluateCore()
    {
        if (drain.IsDraining || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return new Readiness(false, "draining: the gateway is shutting down");
        }

        var endpoints = pool.Endpoints;
        var serving = endpoints.Count(e => e.Health == AiEndpointHealth.Serving);
        if (serving > 0)
        {
            return new Readiness(true, $"ready: {serving} of {endpoints.Count} AI endpoints serving");
        }

        // A dns:/// entry without endpoints has had no good answer yet: a failed or empty lookup keeps the last good set.
        var unanswered = pool.EndpointSet.DnsTargets.Where(t => pool.EndpointSet.EndpointsOf(t).Count == 0).ToList();
        if (endpoints.Count == 0 && unanswered.Count > 0)
        {
            return new Readiness(false, $"not ready: waiting for the first DNS answer of {string.Join(", ", unanswered)} (no AI endpoint yet)");
        }

        var reason = $"not ready: none of {endpoints.Count} AI endpoints is serving ({string.Join(", ", endpoints.Select(e => $"{e.Address} {e.Health}"))})";
        return new Readiness(false, unanswered.Count == 0 ? reason : $"{reason}; no DNS answer yet for {string.Join(", ", unanswered)}");
    }
}
