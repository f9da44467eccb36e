using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Management;

/// <summary>
/// Readiness for load balancers (<c>/readyz</c>): at least one AI endpoint answered its last HealthCheck with SERVING,
/// and the host is not stopping (draining).
/// </summary>
public sealed class ReadinessProbe(AiEndpointPool pool, GatewayDrain drain, IHostApplicationLifetime lifetime)
{
    /// <summary>Evaluates readiness now.</summary>
    public Readiness Evaluate()
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
