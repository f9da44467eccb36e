using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Auth;
using Xiaozhi.Im.Service.Cluster;
using Xiaozhi.Im.Service.Configuration;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Devices.Connect;
using Xiaozhi.Im.Service.Forwarding;
using Xiaozhi.Im.Service.Logging;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service;

/// <summary>Builds the IM gateway host (also used in-process by tests).</summary>
internal static class ImApplication
{
    /// <summary>The device listen address when neither <c>--urls</c>, <c>ASPNETCORE_URLS</c> nor Kestrel endpoints are configured.</summary>
    public const string DefaultUrls = "http://0.0.0.0:8000";

    /// <summary>
    /// Builds the host from command-line arguments; <paramref name="configure"/> runs after the IM's own registrations,
    /// so tests can replace services (e.g. <see cref="TimeProvider"/>). Options are validated when the host starts.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddGoServiceConfig(ImGoServiceConfigMapping.Map);
        if (builder.Configuration[FileLoggerProvider.PathKey] is { Length: > 0 } logFile)
        {
            builder.Logging.AddProvider(new FileLoggerProvider(logFile, TimeProvider.System));
        }
        if (!HasConfiguredUrls(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        AddImServices(builder.Services, builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Admission: a client must finish its upgrade request headers within the handshake timeout.
            var admission = kestrel.ApplicationServices.GetRequiredService<IOptions<AdmissionOptions>>().Value;
            if (admission.HandshakeTimeout > TimeSpan.Zero)
            {
                kestrel.Limits.RequestHeadersTimeout = admission.HandshakeTimeout;
            }

            // A backstop below admission: sockets that never send a request are not seen by it.
            if (admission.MaxConcurrentSessions > 0)
            {
                KestrelConnectionLimits.Apply(kestrel.Limits, admission);
            }
        });
        configure?.Invoke(builder);

        var app = builder.Build();
        // Before anything reads the remote address (admission, logs): X-Forwarded-For only from ForwardedHeaders:Known*.
        // The peer itself, before the middleware below replaces it: only a trusted proxy's traceparent is believed.
        app.Use(TrustedProxies.CapturePeer);
        app.UseForwardedHeaders();
        app.UseWebSockets();
        // Resolved per request (a singleton): building never touches options, start-up validation reports them.
        app.Run(context => context.RequestServices.GetRequiredService<DeviceWebSocketEndpoint>().HandleAsync(context));
        return app;
    }

    private static void AddImServices(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        AddValidated<AuthOptions, AuthOptionsValidator>(services, configuration, AuthOptions.SectionName);
        AddValidated<AiOptions, AiOptionsValidator>(services, configuration, AiOptions.SectionName);
        RenamedResumeSettings.AddTo(services);
        AddValidated<DeviceWebSocketOptions, DeviceWebSocketOptionsValidator>(services, configuration, DeviceWebSocketOptions.SectionName);
        AddValidated<LimitsOptions, LimitsOptionsValidator>(services, configuration, LimitsOptions.SectionName);
        services.AddOptions<DeviceSessionOptions>().Bind(configuration.GetSection(DeviceSessionOptions.SectionName)).ValidateOnStart();

        services.AddSingleton<DeviceTokenValidator>();
        services.TryAddSingleton<IAiEndpointPolicy>(sp => sp.GetRequiredService<IOptions<AiOptions>>().Value.Balancing.Policy == AiBalancingPolicy.LeastSessions
            ? new LeastSessionsEndpointPolicy()
            : new PeakEwmaEndpointPolicy());
        services.AddSingleton<AiEndpointPool>();
        services.AddHostedService<AiEndpointHealthMonitor>();
        services.TryAddSingleton<IAiEndpointResolver, SystemDnsEndpointResolver>();
        services.AddHostedService<AiEndpointDnsRefresher>();
        services.AddSingleton<GatewayDrain>();
        services.AddSingleton<SessionRegistry>();
        services.AddCluster(configuration);
        services.AddSingleton(sp => new NodeBufferBudget(sp.GetRequiredService<IOptions<LimitsOptions>>().Value.NodeBufferedBytes));
        services.AddSingleton(SessionSettings.From);
        services.AddSingleton(SessionNode.From);
        services.AddSingleton<SessionFactory>();
        services.AddSingleton<RequestGate>();
        services.AddSingleton<AdmissionStep>();
        services.AddSingleton<IdentityStep>();
        services.AddSingleton<TokenStep>();
        services.AddSingleton<DeviceClaimStep>();
        services.AddSingleton<StreamStep>();
        services.AddSingleton<SessionStart>();
        services.AddSingleton<ConnectRefusals>();
        services.AddSingleton<DeviceWebSocketEndpoint>();
        services.AddImTelemetry(configuration);
        AddValidated<AdmissionOptions, AdmissionOptionsValidator>(services, configuration, AdmissionOptions.SectionName);
        services.AddSingleton<ConnectionAdmission>();
        AddValidated<ForwardingOptions, ForwardingOptionsValidator>(services, configuration, ForwardingOptions.SectionName);
        services.AddSingleton<TrustedProxies>();
        services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>, ForwardedHeadersSetup>();
        services.AddHostedService<AuthStartupReport>();
        services.AddHostedService<SessionShutdownService>();
        if (ClusterRegistration.IsEnabled(configuration))
        {
            // After the drain service: the node stops after its sessions were closed, and releases their keys.
            services.AddHostedService(sp => sp.GetRequiredService<ClusterNodeService>());
        }

        // The host outlives the drain (turns in progress get Limits:DrainTimeout, then closes and upstream completion) and
        // no more: the framework's 30 s default would let whatever hangs past a short drain hold the process for 30 s.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = ReadDrainTimeout(configuration) + TimeSpan.FromSeconds(10));
    }

    private static TimeSpan ReadDrainTimeout(IConfiguration configuration)
    {
        // Read without validation (Limits are validated at start with a message naming the setting).
        var configured = configuration[$"{LimitsOptions.SectionName}:{nameof(LimitsOptions.DrainTimeout)}"];
        return TimeSpan.TryParse(configured, System.Globalization.CultureInfo.InvariantCulture, out var drain) && drain > TimeSpan.Zero
            ? drain
            : new LimitsOptions().DrainTimeout;
    }

    internal static void AddValidated<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }

    private static bool HasConfiguredUrls(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
        || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
        || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
