using OpenTelemetry.Metrics;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>
/// Creates <see cref="ImMetrics"/> when the host starts. Resolved lazily, its instruments appeared only with the first
/// upgrade request, so a fresh node whose AI endpoints are down exported no <c>xiaozhi_im_endpoint_serving</c> and
/// could not fire the no-endpoint alert while its <c>/readyz</c> already said 503.
/// </summary>
internal sealed class ImMetricsAtStart(IServiceProvider services) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The meter provider first: the 0 samples ImMetrics records at creation reach only a listener that exists.
        _ = services.GetService<MeterProvider>();
        _ = services.GetRequiredService<ImMetrics>();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
