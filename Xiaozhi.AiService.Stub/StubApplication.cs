using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Health;
using Xiaozhi.AiService.Stub.Hosting;
using Xiaozhi.AiService.Stub.Mcp;
using Xiaozhi.AiService.Stub.Ota;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Im.Service.Configuration;

namespace Xiaozhi.AiService.Stub;

/// <summary>Builds the stub AI service host (also used in-process by tests).</summary>
internal static class StubApplication
{
    /// <summary>
    /// Builds the host from command-line arguments; <paramref name="configure"/> lets tests adjust services (e.g. a
    /// <c>FakeTimeProvider</c> as <see cref="TimeProvider"/>). gRPC listens on <c>--urls</c> (HTTP/2 only), the OTA
    /// stand-in and fault API on <c>Ota:Urls</c> (HTTP/1.1).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddGoServiceConfig(StubGoServiceConfigMapping.Map);
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<StubOptions>().Bind(configuration.GetSection(StubOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StubOptions>, StubOptionsValidator>();
        services.AddOptions<StubFaultOptions>().Bind(configuration.GetSection(StubFaultOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StubFaultOptions>, StubFaultOptionsValidator>();
        services.AddOptions<OtaOptions>().Bind(configuration.GetSection(OtaOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OtaOptions>, OtaOptionsValidator>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<OtaOptions>>((cors, ota) => OtaCors.Configure(cors, ota.Value));
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName));

        services.AddSingleton<StubSessionRegistry>();
        services.AddSingleton<ConnectionTracker>();
        services.AddSingleton(sp => new StubFaults(
            sp.GetRequiredService<IOptions<StubFaultOptions>>(),
            sp.GetRequiredService<StubSessionRegistry>(),
            sp.GetRequiredService<ConnectionTracker>()));
        services.AddSingleton<McpRequestIds>();
        services.AddSingleton<DeviceTokenIssuer>();
        services.AddHostedService<OtaExposureReport>();

        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions>().Configure(grpc =>
        {
            // Read without validation: gRPC and Kestrel options are resolved while the app is built, and invalid
            // settings must fail at start (ValidateOnStart) with the validator's message.
            var stub = ReadUnvalidated(configuration);
            grpc.MaxReceiveMessageSize = Math.Max(64 * 1024, stub.MaxMessageBytes);
            grpc.MaxSendMessageSize = Math.Max(64 * 1024, stub.MaxMessageBytes);
        });
        services.AddGrpcHealthChecks().AddCheck<DrainingHealthCheck>(DrainingHealthCheck.Name);

        configure?.Invoke(builder);
        services.TryAddSingleton(TimeProvider.System);

        // Kestrel is configured endpoint by endpoint (h2c needs HTTP/2-only endpoints, OTA needs HTTP/1.1), so the
        // standard "urls" setting is consumed here; Kestrel then logs a harmless "Overriding address(es)" warning.
        var endpoints = StubEndpoints.Parse(configuration[WebHostDefaults.ServerUrlsKey], configuration[$"{OtaOptions.SectionName}:{nameof(OtaOptions.Urls)}"]);
        services.AddSingleton(endpoints);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var stub = ReadUnvalidated(configuration);
            kestrel.Limits.Http2.MaxStreamsPerConnection = Math.Max(1, stub.MaxStreamsPerConnection);
            var tracker = kestrel.ApplicationServices.GetRequiredService<ConnectionTracker>();
            var tls = configuration.GetSection(StubTlsOptions.SectionName).Get<StubTlsOptions>() ?? new StubTlsOptions();
            endpoints.Configure(kestrel, tracker.Middleware, tls);
        });

        var app = builder.Build();
        app.UseCors();
        app.MapGrpcService<StubChatService>();
        app.MapGrpcHealthChecksService();

        // The OTA stand-in and the fault API answer on the OTA endpoint(s) only.
        var http = app.MapGroup(string.Empty).AddEndpointFilter(async (context, next) =>
        {
            var port = context.HttpContext.Connection.LocalPort;
            return endpoints.Ota.Any(e => e.Accepts(port)) ? await next(context).ConfigureAwait(false) : Results.NotFound();
        });
        OtaEndpoints.Map(http);
        FaultEndpoints.Map(http);
        return app;
    }

    private static StubOptions ReadUnvalidated(IConfiguration configuration) =>
        configuration.GetSection(StubOptions.SectionName).Get<StubOptions>() ?? new StubOptions();
}
