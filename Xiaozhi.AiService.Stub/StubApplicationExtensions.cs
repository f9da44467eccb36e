using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub.Hosting;

namespace Xiaozhi.AiService.Stub;

/// <summary>Where a started stub listens (after <c>StartAsync</c>, port 0 resolves to the bound port).</summary>
internal static class StubApplicationExtensions
{
    /// <summary>The first gRPC endpoint, e.g. <c>http://127.0.0.1:50051/</c>.</summary>
    public static Uri GetGrpcAddress(this WebApplication app) => First(app, StubEndpointKind.Grpc);

    /// <summary>The first OTA (HTTP/1.1) endpoint, e.g. <c>http://127.0.0.1:8003/</c>.</summary>
    public static Uri GetOtaAddress(this WebApplication app) => First(app, StubEndpointKind.Ota);

    private static Uri First(WebApplication app, StubEndpointKind kind)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoints = app.Services.GetRequiredService<StubEndpoints>();
        var endpoint = endpoints.All.FirstOrDefault(e => e.Kind == kind)
            ?? throw new InvalidOperationException($"The stub has no {kind} endpoint configured.");
        if (endpoint.Configured.Port == 0 && endpoint.Listen?.IPEndPoint is not { Port: > 0 })
        {
            throw new InvalidOperationException($"The {kind} endpoint is not bound yet: call StartAsync first.");
        }

        return endpoint.GetAddress();
    }
}
