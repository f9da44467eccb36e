using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Xiaozhi.Im.Service.Management;

/// <summary>
/// A second, tiny Kestrel host on <see cref="ManagementOptions.Urls"/> (loopback by default), so health, readiness
/// and metrics never share the device port: <c>/healthz</c> (the process is alive), <c>/readyz</c> (see
/// <see cref="ReadinessProbe"/>), <c>/metrics</c> (Prometheus text, when enabled).
/// </summary>
internal sealed partial class ManagementServer(
    IOptions<ManagementOptions> options,
    ReadinessProbe readiness,
    IServiceProvider services,
    ILogger<ManagementServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The bound addresses once started (port 0 resolved).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Value.Urls);
        var app = builder.Build();

        app.MapGet("/healthz", () => Results.Text("alive\n"));
        app.MapGet("/readyz", () =>
        {
            var state = readiness.Evaluate();
            return Results.Text(state.Reason + "\n", statusCode: state.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        if (services.GetService<MeterProvider>() is { } meterProvider)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        LogListening(logger, string.Join(", ", Addresses));
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Management port listening on {Addresses} (/healthz, /readyz, /metrics)")]
    private static partial void LogListening(ILogger logger, string addresses);
}
