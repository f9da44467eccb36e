using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xiaozhi.AiService.Stub.Faults;

namespace Xiaozhi.AiService.Stub.Health;

/// <summary>Feeds the standard <c>grpc.health.v1</c> service: unhealthy (NOT_SERVING) while <see cref="StubFaults.Draining"/>.</summary>
internal sealed class DrainingHealthCheck(StubFaults faults) : IHealthCheck
{
    public const string Name = "stub";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(faults.Draining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy());
}
