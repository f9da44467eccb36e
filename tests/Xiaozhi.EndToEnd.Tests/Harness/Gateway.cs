using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xiaozhi.AiService.Stub;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Im.Service;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// A real stub AI service and a real IM gateway, each on Kestrel at 127.0.0.1 with an OS-assigned port,
/// wired together exactly as in production (h2c gRPC between them). Or, against a deployment, just its URL.
/// </summary>
internal sealed class Gateway : IAsyncDisposable, IDeviceEndpoint
{
    private readonly WebApplication?[] _stubs;
    private readonly WebApplication? _im;
    private readonly DirectoryInfo? _contentRoot;
    private readonly GatewayOptions _options;
    private readonly Uri[] _stubAddresses;
    private readonly ResilienceFigures? _figures;
    private bool _imStopped;

    private Gateway(Uri deviceUrl, string secret, WebApplication?[] stubs, Uri[] stubAddresses, WebApplication? im, DirectoryInfo? contentRoot, GatewayOptions options)
    {
        DeviceUrl = deviceUrl;
        JwtSecret = secret;
        _stubs = stubs;
        _stubAddresses = stubAddresses;
        _im = im;
        _figures = im is null ? null : new ResilienceFigures(im.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Xiaozhi.Im.Service.Telemetry.ImTelemetry.Name);
        _contentRoot = contentRoot;
        _options = options;
    }

    private WebApplication? FirstStub => _stubs.Length > 0 ? _stubs[0] : null;

    /// <summary>Stub number <paramref name="index"/> (in-process only; null while stopped).</summary>
    public WebApplication? StubAt(int index) => _stubs[index];

    /// <summary>What stub number <paramref name="index"/> recorded.</summary>
    public StubSessionRegistry StubSessionsAt(int index) =>
        _stubs[index]?.Services.GetRequiredService<StubSessionRegistry>() ?? throw new InvalidOperationException("stub stopped");

    /// <summary>The IM's resilience figures, read from its metrics since the gateway started (in-process only).</summary>
    public ResilienceFigures Counters => _figures ?? throw new InvalidOperationException("no in-process IM");

    /// <summary>Stops stub number <paramref name="index"/> hard (its streams are cut, like a crashed or redeployed backend).</summary>
    public async Task StopStubAsync(int index = 0)
    {
        var stub = _stubs[index] ?? throw new InvalidOperationException("stub already stopped");
        _stubs[index] = null;
        using var cut = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        try
        {
            await stub.StopAsync(cut.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await stub.DisposeAsync();
    }

    /// <summary>Starts a new stub number <paramref name="index"/> on the same port as before (a restarted backend).</summary>
    public async Task StartStubAsync(int index = 0)
    {
        if (_stubs[index] is not null)
        {
            throw new InvalidOperationException("stub running");
        }

        _stubs[index] = await StartStubHostAsync(_contentRoot!, _options, _stubAddresses[index].ToString());
    }

    /// <summary>Stops the IM host (drain), once; later disposal skips it.</summary>
    public async Task StopImAsync(CancellationToken cancellationToken = default)
    {
        _imStopped = true;
        await Im.StopAsync(cancellationToken);
    }

    private static async Task<WebApplication> StartStubHostAsync(DirectoryInfo contentRoot, GatewayOptions options, string urls)
    {
        var stub = StubApplication.Build(
        [
            "--contentRoot", contentRoot.FullName,
            "--urls", urls,
            "--Ota:Urls", "http://127.0.0.1:0",
            "--Auth:JwtSecret", options.JwtSecret,
            "--Stub:PacingEnabled", "false",
            "--Logging:LogLevel:Default", "Warning",
            .. options.StubArgs,
        ]);
        try
        {
            await stub.StartAsync();
            return stub;
        }
        catch
        {
            await stub.DisposeAsync();
            throw;
        }
    }

    /// <summary>The device WebSocket URL (path <c>/xiaozhi/v1/</c>).</summary>
    public Uri DeviceUrl { get; }

    /// <summary>The secret tokens are signed with.</summary>
    public string JwtSecret { get; }

    /// <summary>What the stub recorded per session (in-process only).</summary>
    public StubSessionRegistry StubSessions =>
        FirstStub?.Services.GetRequiredService<StubSessionRegistry>() ?? throw new InvalidOperationException("no in-process stub");

    /// <summary>The stub's fault injection (in-process only).</summary>
    public StubFaults StubFaults =>
        FirstStub?.Services.GetRequiredService<StubFaults>() ?? throw new InvalidOperationException("no in-process stub");

    /// <summary>The stub host itself (in-process only), e.g. to stop it.</summary>
    public WebApplication Stub => FirstStub ?? throw new InvalidOperationException("no in-process stub");

    /// <summary>The IM host itself (in-process only).</summary>
    public WebApplication Im => _im ?? throw new InvalidOperationException("no in-process IM");

    /// <summary>The device URL with another path.</summary>
    public Uri WithPath(string pathAndQuery) => new(DeviceUrl, pathAndQuery);

    /// <summary>Devices dial <paramref name="deviceUrl"/>, served by hosts someone else owns (e.g. a load balancer in front of in-process nodes); disposing it stops nothing.</summary>
    public static Gateway At(Uri deviceUrl, string jwtSecret) => new(deviceUrl, jwtSecret, [], [], null, null, new GatewayOptions());

    /// <summary>Starts a stub + IM pair, or returns the external deployment when configured.</summary>
    public static async Task<Gateway> StartAsync(GatewayOptions? options = null)
    {
        options ??= new GatewayOptions();
        if (E2eTarget.ExternalUrl is { } external)
        {
            return new Gateway(external, E2eTarget.ExternalSecret ?? throw new InvalidOperationException("XIAOZHI_E2E_JWT_SECRET is required with XIAOZHI_E2E_URL"), [], [], null, null, options);
        }

        // An empty content root: neither host picks up an appsettings.json copied into the test output.
        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-e2e-");
        var stubs = new WebApplication?[Math.Max(1, options.StubCount)];
        WebApplication? im = null;
        try
        {
            for (var i = 0; i < stubs.Length; i++)
            {
                stubs[i] = await StartStubHostAsync(contentRoot, options, "http://127.0.0.1:0");
            }

            var addresses = stubs.Select(s => s!.GetGrpcAddress()).ToArray();
            var endpointArgs = options.AiEndpointOverride is { } overridden
                ? new[] { "--Ai:Endpoints:0", overridden.ToString() }
                : addresses.SelectMany((a, i) => new[] { $"--Ai:Endpoints:{i}", a.ToString() }).ToArray();
            im = ImApplication.Build(
            [
                "--contentRoot", contentRoot.FullName,
                "--urls", "http://127.0.0.1:0",
                .. endpointArgs,
                "--Management:Urls", "http://127.0.0.1:0",
                "--Auth:JwtSecret", options.JwtSecret,
                "--Logging:LogLevel:Default", "Warning",
                "--Limits:DrainTimeout", "00:00:05",
                // The whole suite dials from 127.0.0.1 and blasts frames faster than real time: lift the per-address and
                // per-session rates (AdmissionControlTests set their own; later arguments win).
                "--Admission:PerIpConnectionBurst", "100000",
                "--Admission:PerIpConcurrentConnections", "100000",
                "--Admission:MessagesPerSecond", "100000",
                "--Admission:MessageBurst", "100000",
                .. options.ImArgs,
            ],
            builder =>
            {
                if (options.ImLog is { } log)
                {
                    builder.Logging.AddProvider(log);
                }

                options.ConfigureIm?.Invoke(builder);
            });
            await im.StartAsync();

            var address = im.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var deviceUrl = new UriBuilder(address) { Scheme = "ws", Path = "/xiaozhi/v1/" }.Uri;
            return new Gateway(deviceUrl, options.JwtSecret, stubs, addresses, im, contentRoot, options);
        }
        catch
        {
            if (im is not null)
            {
                await im.DisposeAsync();
            }

            foreach (var stub in stubs.Where(s => s is not null))
            {
                await stub!.DisposeAsync();
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
            if (!_imStopped)
            {
                await _im.StopAsync(timeout.Token);
            }

            await _im.DisposeAsync();
        }

        _figures?.Dispose();
        foreach (var stub in _stubs.Where(s => s is not null))
        {
            await stub!.StopAsync(timeout.Token);
            await stub.DisposeAsync();
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
