using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>The real IM host on 127.0.0.1:0 with an empty content root, plus helpers to dial it.</summary>
public sealed class ImHost : IAsyncDisposable, IDeviceEndpoint
{
    public const string Secret = "abc";

    private readonly DirectoryInfo _contentRoot;

    private ImHost(WebApplication app, Uri httpUrl, DirectoryInfo contentRoot)
    {
        App = app;
        HttpUrl = httpUrl;
        _contentRoot = contentRoot;
    }

    public WebApplication App { get; }

    public Uri HttpUrl { get; }

    public Uri WebSocketUrl(string pathAndQuery = "/xiaozhi/v1/") =>
        new UriBuilder(new Uri(HttpUrl, pathAndQuery)) { Scheme = "ws" }.Uri;

    public Uri DeviceUrl => WebSocketUrl();

    public string JwtSecret => Secret;

    public Uri WithPath(string pathAndQuery) => WebSocketUrl(pathAndQuery);

    public static async Task<ImHost> StartAsync(Uri aiEndpoint, params string[] extraArgs)
    {
        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-im-tests-");
        var app = ImApplication.Build(
        [
            "--contentRoot", contentRoot.FullName,
            "--urls", "http://127.0.0.1:0",
            "--Ai:Endpoints:0", aiEndpoint.ToString(),
            "--Management:Urls", "http://127.0.0.1:0",
            "--Ai:ConnectTimeout", "00:00:01",
            "--Auth:JwtSecret", Secret,
            "--Logging:LogLevel:Default", "Warning",
            .. extraArgs,
        ]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A host that refused to start (tests of start-up validation) must not leave its folder behind.
            await app.DisposeAsync();
            contentRoot.Delete(recursive: true);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ImHost(app, new Uri(address), contentRoot);
    }

    /// <summary>A URL nothing listens on.</summary>
    public static Uri ClosedEndpoint() => new($"http://127.0.0.1:{FreePort.Pick()}");

    /// <summary>A hand-built WebSocket upgrade request over plain HTTP: the status and plain-text body of a refusal (empty on 101).</summary>
    public async Task<(HttpStatusCode Status, string Body)> UpgradeRequestAsync(string pathAndQuery, params (string, string)[] headers)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpUrl, pathAndQuery));
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode == HttpStatusCode.SwitchingProtocols
            ? (response.StatusCode, string.Empty)
            : (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        try
        {
            _contentRoot.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
