using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Xiaozhi.Im.Service.Management;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>Registers metrics, traces and the management port.</summary>
internal static class TelemetryRegistration
{
    /// <summary>The .NET meters exported beside the gateway's own.</summary>
    internal static readonly string[] PlatformMeters =
    [
        "System.Runtime",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Net.NameResolution",
    ];

    /// <summary>OpenTelemetry (meter and source <c>Xiaozhi.Im</c>; Prometheus and/or OTLP exporters) and the management host.</summary>
    public static IServiceCollection AddImTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint)
            && (!Uri.TryCreate(telemetry.OtlpEndpoint, UriKind.Absolute, out var otlp) || otlp.Scheme is not ("http" or "https")))
        {
            throw new OptionsValidationException(TelemetryOptions.SectionName, typeof(TelemetryOptions), [$"Telemetry:OtlpEndpoint '{telemetry.OtlpEndpoint}' is not an http(s) URL (e.g. http://localhost:4317)."]);
        }

        if (telemetry.OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            throw new OptionsValidationException(TelemetryOptions.SectionName, typeof(TelemetryOptions), [$"Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf' (got '{telemetry.OtlpProtocol}')."]);
        }
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName));
        services.AddSingleton<ImMetrics>();
        services.AddHostedService<ImMetricsAtStart>();

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(telemetry.ServiceName));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(ImTelemetry.Name);
            // The platform's built-in meters (no instrumentation package needed on .NET 9+): GC, heap, thread pool and
            // exceptions; the device port's connections and upgrades; the AI connections; DNS lookups of dns:/// endpoints.
            metrics.AddMeter(PlatformMeters);
            if (telemetry.Prometheus)
            {
                metrics.AddPrometheusExporter();
            }

            if (!string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint))
            {
                metrics.AddOtlpExporter(o => ConfigureOtlp(o, telemetry));
            }
        });
        otel.WithTracing(tracing =>
        {
            tracing.AddSource(ImTelemetry.Name);
            if (!string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint))
            {
                tracing.AddOtlpExporter(o => ConfigureOtlp(o, telemetry));
            }
        });

        services.AddOptions<ManagementOptions>().Bind(configuration.GetSection(ManagementOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ManagementOptions>, ManagementOptionsValidator>();
        services.AddSingleton<ReadinessProbe>();
        services.AddSingleton<ManagementServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ManagementServer>());
        return services;
    }

    private static void ConfigureOtlp(OtlpExporterOptions options, TelemetryOptions telemetry)
    {
        options.Endpoint = new Uri(telemetry.OtlpEndpoint!);
        options.Protocol = string.Equals(telemetry.OtlpProtocol, "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
    }
}
