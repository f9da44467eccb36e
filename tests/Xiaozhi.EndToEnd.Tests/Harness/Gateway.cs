using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Im.Service;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// A real stub AI service and a real IM gateway, each on Kestrel at 127.0.0.1 with an OS-assigned port,
/// wired together exactly as in production (h2c gRPC between them). Or, against a deployment, just its URL.
/// </summary>
public sealed class Gateway : IAsyncDisposable
{
    private readonly WebApplication? _stub;
    private readonly WebApplication? _im;
    private readonly DirectoryInfo? _contentRoot;

    private Gateway(Uri deviceUrl, string secret, WebApplication? stub, WebApplication? im, DirectoryInfo? contentRoot)
    {
        DeviceUrl = deviceUrl;
        JwtSecret = secret;
        _stub = stub;
        _im = im;
        _contentRoot = contentRoot;
    }

    /// <summary>The device WebSocket URL (path <c>/xiaozhi/v1/</c>).</summary>
    public Uri DeviceUrl { get; }

    /// <summary>The secret tokens are signed with.</summary>
    public string JwtSecret { get; }

    /// <summary>What the stub recorded per session (in-process only).</summary>
    public StubSessionRegistry StubSessions =>
        _stub?.Services.GetRequiredService<StubSessionRegistry>() ?? throw new InvalidOperationException("no in-process stub");

    /// <summary>The stub's fault injection (in-process only).</summary>
    public StubFaults StubFaults =>
        _stub?.Services.GetRequiredService<StubFaults>() ?? throw new InvalidOperationException("no in-process stub");

    /// <summary>The stub host itself (in-process only), e.g. to stop it.</summary>
    public WebApplication Stub => _stub ?? throw new InvalidOperationException("no in-process stub");

    /// <summary>The IM host itself (in-process only).</summary>
    public WebApplication Im => _im ?? throw new InvalidOperationException("no in-process IM");

    /// <summary>The device URL with another path.</summary>
    public Uri WithPath(string pathAndQuery) => new(DeviceUrl, pathAndQuery);

    /// <summary>Starts a stub + IM pair, or returns the external deployment when configured.</summary>
    public static async Task<Gateway> StartAsync(GatewayOptions? options = null)
    {
        options ??= new GatewayOptions();
        if (E2eTarget.ExternalUrl is { } external)
        {
            return new Gateway(external, E2eTarget.ExternalSecret ?? throw new InvalidOperationException("XIAOZHI_E2E_JWT_SECRET is required with XIAOZHI_E2E_URL"), null, null, null);
        }

        // An empty content root: neither host picks up an appsettings.json copied into the test output.
        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-e2e-");
        WebApplication? stub = null;
        WebApplication? im = null;
        try
        {
            stub = StubApplication.Build(
            [
                "--contentRoot", contentRoot.FullName,
                "--urls", "http://127.0.0.1:0",
                "--Ota:Urls", "http://127.0.0.1:0",
                "--Auth:JwtSecret", options.JwtSecret,
                "--Stub:PacingEnabled", "false",
                "--Logging:LogLevel:Default", "Warning",
                .. options.StubArgs,
            ]);
            await stub.StartAsync();

            var aiEndpoint = options.AiEndpointOverride ?? stub.GetGrpcAddress();
            im = ImApplication.Build(
            [
                "--contentRoot", contentRoot.FullName,
                "--urls", "http://127.0.0.1:0",
                "--Ai:Endpoints:0", aiEndpoint.ToString(),
                "--Auth:JwtSecret", options.JwtSecret,
                "--Logging:LogLevel:Default", "Warning",
                .. options.ImArgs,
            ]);
            await im.StartAsync();

            var address = im.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var deviceUrl = new UriBuilder(address) { Scheme = "ws", Path = "/xiaozhi/v1/" }.Uri;
            return new Gateway(deviceUrl, options.JwtSecret, stub, im, contentRoot);
        }
        catch
        {
            if (im is not null)
            {
                await im.DisposeAsync();
            }

            if (stub is not null)
            {
                await stub.DisposeAsync();
            }

            contentRoot.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Stops the IM first (devices see 1001), then the stub.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        if (_im is not null)
        {
            await _im.StopAsync(timeout.Token);
            await _im.DisposeAsync();
        }

        if (_stub is not null)
        {
            await _stub.StopAsync(timeout.Token);
            await _stub.DisposeAsync();
        }

        try
        {
            _contentRoot?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
