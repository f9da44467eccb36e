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

        var serving = pool.Endpoints.Count(e => e.Health == AiEndpointHealth.Serving);
        return serving > 0
            ? new Readiness(true, $"ready: {serving} of {pool.Endpoints.Count} AI endpoints serving")
            : new Readiness(false, $"not ready: none of {pool.Endpoints.Count} AI endpoints is serving ({string.Join(", ", pool.Endpoints.Select(e => $"{e.Address} {e.Health}"))})");
    }
}
