using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Xiaozhi.AiService.Stub.Hosting;

/// <summary>
/// The stub's listen endpoints: gRPC from <c>--urls</c>/<c>ASPNETCORE_URLS</c> (HTTP/2 only) and the OTA stand-in from
/// <c>Ota:Urls</c> (HTTP/1.1). Kestrel is configured endpoint by endpoint because h2c forces HTTP/2-only endpoints.
/// </summary>
internal sealed class StubEndpoints
{
    public const string DefaultGrpcUrls = "http://localhost:50051";

    private StubEndpoints(IReadOnlyList<StubEndpoint> all) => All = all;

    public IReadOnlyList<StubEndpoint> All { get; }

    public IEnumerable<StubEndpoint> Grpc => All.Where(e => e.Kind == StubEndpointKind.Grpc);

    public IEnumerable<StubEndpoint> Ota => All.Where(e => e.Kind == StubEndpointKind.Ota);

    /// <summary>Parses both URL lists; throws with a message naming the setting on a bad URL.</summary>
    public static StubEndpoints Parse(string? grpcUrls, string? otaUrls)
    {
        var all = new List<StubEndpoint>();
        all.AddRange(ParseList(string.IsNullOrWhiteSpace(grpcUrls) ? DefaultGrpcUrls : grpcUrls, StubEndpointKind.Grpc, "--urls / ASPNETCORE_URLS"));
        all.AddRange(ParseList(string.IsNullOrWhiteSpace(otaUrls) ? new Ota.OtaOptions().Urls : otaUrls, StubEndpointKind.Ota, "Ota:Urls"));
        return new StubEndpoints(all);
    }

    /// <summary>Adds every endpoint to Kestrel with its protocols; <paramref name="gate"/> runs first on each gRPC connection.</summary>
    public void Configure(KestrelServerOptions kestrel, Func<ConnectionDelegate, ConnectionDelegate> gate, StubTlsOptions tls)
    {
        foreach (var endpoint in All)
        {
            void Setup(ListenOptions listen)
            {
                endpoint.Listen = listen;
                if (endpoint.Kind == StubEndpointKind.Grpc)
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.Use(gate);
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http1;
                }

                if (endpoint.IsHttps && endpoint.Kind == StubEndpointKind.Grpc)
                {
                    listen.UseHttps(https => ClientCertificatePolicy.Apply(https, tls));
                }
                else if (endpoint.IsHttps)
                {
                    listen.UseHttps();
                }
            }

            var host = endpoint.Configured.Host;
            var port = endpoint.Configured.Port;
            if (StubEndpoint.IsWildcard(host))
            {
                kestrel.ListenAnyIP(port, Setup);
            }
            else if (StubEndpoint.TryParseIp(host, out var address))
            {
                kestrel.Listen(address, port, Setup);
            }
            else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) && port != 0)
            {
                kestrel.ListenLocalhost(port, Setup);
            }
            else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                // Kestrel cannot bind "localhost" to a dynamic port on two address families; use IPv4 loopback.
                kestrel.Listen(IPAddress.Loopback, 0, Setup);
            }
            else
            {
                // Like Kestrel with a host name: listen on every address.
                kestrel.ListenAnyIP(port, Setup);
            }
        }
    }

    private static IEnumerable<StubEndpoint> ParseList(string urls, StubEndpointKind kind, string setting)
    {
        foreach (var raw in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel accepts "*" and "+" as hosts; Uri does not.
            var normalized = raw.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0))
            {
                throw new OptionsValidationException(setting, typeof(StubEndpoints), [$"{setting}: '{raw}' is not a listen URL like http://localhost:50051 (http or https, host, port, no path)."]);
            }

            yield return new StubEndpoint(kind, uri);
        }
    }
}
