using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// TLS on both hops: devices on <c>wss://</c> (Kestrel certificate settings), and the IM → AI service over
/// <c>https://</c> with a private CA and a client certificate (mTLS) that the stub requires.
/// </summary>
[NonParallelizable]
public sealed class TlsTests
{
    private TestCertificates _certs = null!;
    private DirectoryInfo _root = null!;

    [OneTimeSetUp]
    public void Certificates()
    {
        E2eTarget.RequireInProcess("starts its own TLS hosts");
        _certs = TestCertificates.Create();
        _root = Directory.CreateTempSubdirectory("xiaozhi-tls-root-");
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        _certs?.Dispose();
        _root?.Delete(recursive: true);
    }

    private string[] KestrelCertificate =>
        ["--Kestrel:Certificates:Default:Path", _certs.ServerPfxPath, "--Kestrel:Certificates:Default:Password", TestCertificates.Password];

    private async Task<WebApplication> StartStubAsync(bool requireClientCertificate)
    {
        var stub = StubApplication.Build(
        [
            "--contentRoot", _root.FullName, "--urls", "https://127.0.0.1:0", "--Ota:Urls", "http://127.0.0.1:0",
            "--Stub:PacingEnabled", "false", "--Logging:LogLevel:Default", "Warning",
            "--Stub:Tls:RequireClientCertificate", requireClientCertificate ? "true" : "false",
            "--Stub:Tls:ClientCertificateAuthorityPath", _certs.AuthorityPemPath,
            .. KestrelCertificate,
        ]);
        await stub.StartAsync();
        return stub;
    }

    private async Task<(WebApplication Im, Uri DeviceUrl)> StartImAsync(Uri ai, string? clientPfx, bool deviceTls, params string[] extra)
    {
        string[] clientArgs = clientPfx is null ? [] : ["--Ai:Tls:ClientCertificatePath", clientPfx, "--Ai:Tls:ClientCertificatePassword", TestCertificates.Password];
        var im = ImApplication.Build(
        [
            "--contentRoot", _root.FullName, "--urls", deviceTls ? "https://127.0.0.1:0" : "http://127.0.0.1:0",
            "--Management:Urls", "http://127.0.0.1:0", "--Auth:JwtSecret", "abc", "--Logging:LogLevel:Default", "Warning",
            "--Ai:Endpoints:0", ai.ToString(), "--Ai:Tls:CaCertificatePath", _certs.AuthorityPemPath,
            .. clientArgs,
            .. deviceTls ? KestrelCertificate : [],
            .. extra,
        ]);
        await im.StartAsync();
        var address = new Uri(im.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (im, new UriBuilder(address) { Scheme = deviceTls ? "wss" : "ws", Path = "/xiaozhi/v1/" }.Uri);
    }

    private async Task<ClientWebSocket> DialAsync(Uri deviceUrl, string deviceId)
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => _certs.Validates(certificate);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + TestTokens.For("abc", deviceId));
        socket.Options.SetRequestHeader("Device-Id", deviceId);
        socket.Options.SetRequestHeader("Client-Id", "tls-client");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(deviceUrl, timeout.Token);
        return socket;
    }

    private static async Task<string> HelloRoundTripAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync("""{"type":"hello","features":{"mcp":false}}"""u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    [Test]
    public async Task Device_over_wss_and_ai_over_mutual_tls_complete_a_hello()
    {
        await using var stub = await StartStubAsync(requireClientCertificate: true);
        var (im, deviceUrl) = await StartImAsync(stub.GetGrpcAddress(), _certs.ClientPfxPath, deviceTls: true);
        await using var _ = im;

        deviceUrl.Scheme.Should().Be("wss");
        using var socket = await DialAsync(deviceUrl, DeviceIds.NewMac());
        var hello = await HelloRoundTripAsync(socket);

        hello.Should().Contain("\"transport\":\"websocket\"");
    }

    [Test]
    public async Task Ai_service_refusing_the_client_certificate_is_unready_and_sessions_end_with_alert_and_1011()
    {
        // TLS 1.3: the client's handshake completes before the server rejects its certificate, so the failure shows on
        // the first call, not on connect: the HealthCheck marks the endpoint unreachable and the stream cannot resume.
        await using var stub = await StartStubAsync(requireClientCertificate: true);
        var (im, deviceUrl) = await StartImAsync(stub.GetGrpcAddress(), _certs.StrangerPfxPath, deviceTls: false,
            "--Ai:Resume:Timeout", "00:00:01", "--Ai:HealthCheckInterval", "00:00:00.2");
        await using var _ = im;
        var management = im.Services.GetRequiredService<Xiaozhi.Im.Service.Management.ManagementServer>().Addresses[0];
        using var http = new HttpClient();

        await Eventually.Async(() => http.GetAsync(new Uri(management, "/readyz")).Result.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable));
        using var socket = await DialAsync(deviceUrl, DeviceIds.NewMac());
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var first = await socket.ReceiveAsync(buffer, timeout.Token);
        var alert = Encoding.UTF8.GetString(buffer, 0, first.Count);
        WebSocketReceiveResult closing;
        do
        {
            closing = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (closing.MessageType != WebSocketMessageType.Close);

        alert.Should().Contain("\"type\":\"alert\"");
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.InternalServerError);
    }

    [Test]
    public async Task Tls_to_the_ai_service_without_client_certificate_works_when_not_required()
    {
        await using var stub = await StartStubAsync(requireClientCertificate: false);
        var (im, deviceUrl) = await StartImAsync(stub.GetGrpcAddress(), clientPfx: null, deviceTls: false);
        await using var _ = im;

        using var socket = await DialAsync(deviceUrl, DeviceIds.NewMac());

        (await HelloRoundTripAsync(socket)).Should().Contain("\"type\":\"hello\"");
    }
}
