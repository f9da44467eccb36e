using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>Each admission limit produces its documented status or close code, with short limits so the suite stays fast.</summary>
public sealed class AdmissionControlTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("configures the gateway's limits");

    [Test]
    public async Task Beyond_max_concurrent_sessions_upgrades_get_503()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Admission:MaxConcurrentSessions", "1"] });
        await using var first = await DeviceClient.ConnectAsync(gateway);

        var refusal = await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions());

        refusal.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refusal.Body.Should().Be("gateway at capacity, try again later");
        (await first.HelloAsync()).Get("transport").Should().Be("websocket", "the admitted session is unaffected");
    }

    [Test]
    public async Task Too_many_connections_from_one_address_get_429()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = ["--Admission:PerIpConnectionBurst", "2", "--Admission:PerIpConnectionsPerSecond", "0.01"],
        });
        await using var a = await DeviceClient.ConnectAsync(gateway);
        await using var b = await DeviceClient.ConnectAsync(gateway);

        var refusal = await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions());

        refusal.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await b.HelloAsync()).Get("transport").Should().Be("websocket");
    }

    [Test]
    public async Task No_hello_within_the_hello_timeout_is_closed_1008()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Admission:HelloTimeout", "00:00:00.5"] });
        await using var silent = await DeviceClient.ConnectAsync(gateway);
        await using var polite = await DeviceClient.ConnectAsync(gateway);
        await polite.HelloAsync();

        var (status, reason) = await silent.WaitForCloseAsync(TimeSpan.FromSeconds(5));

        status.Should().Be(WebSocketCloseStatus.PolicyViolation);
        reason.Should().Be("no hello within 0.5 s");
        (await polite.ChatAsync("still here")).SttText.Should().Be("still here", "a device that said hello stays");
    }

    [Test]
    public async Task A_device_silent_for_the_idle_timeout_is_closed_1000_while_a_talking_one_stays()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Admission:IdleTimeout", "00:00:01"] });
        await using var idle = await DeviceClient.ConnectAsync(gateway);
        await idle.HelloAsync();
        await using var busy = await DeviceClient.ConnectAsync(gateway);
        await busy.HelloAsync();

        var closing = idle.WaitForCloseAsync(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 6 && !closing.IsCompleted; i++)
        {
            await busy.SendTextAsync("ping");
            (await busy.ReceiveAsync()).Text.Should().Be("ping");
            await Task.Delay(250);
        }

        var (status, reason) = await closing;
        status.Should().Be(WebSocketCloseStatus.NormalClosure);
        reason.Should().Be("idle for 1 s");
        busy.CloseStatus.Should().BeNull("it kept sending");
    }

    [Test]
    public async Task A_message_flood_gets_an_alert_then_close_1008()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = ["--Admission:MessagesPerSecond", "5", "--Admission:MessageBurst", "10"],
        });
        await using var flooder = await DeviceClient.ConnectAsync(gateway);
        await flooder.HelloAsync();

        for (var i = 0; i < 30 && flooder.CloseStatus is null; i++)
        {
            try
            {
                await flooder.SendTextAsync("ping");
            }
            catch (WebSocketException)
            {
                break;
            }
        }

        var frames = await flooder.ReceiveUntilAsync(f => f.JsonType == "alert");
        var (status, reason) = await flooder.WaitForCloseAsync();

        frames.Last().Get("message").Should().Be("Too many messages: this connection is being closed.");
        status.Should().Be(WebSocketCloseStatus.PolicyViolation);
        reason.Should().Be("message rate above 5/s");
    }

    [Test]
    public async Task Browser_origins_outside_the_allow_list_get_403_and_devices_without_origin_pass()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Admission:AllowedOrigins:0", "https://app.example"] });

        (await UpgradeWithOriginAsync(gateway, "https://evil.example")).Should().Be(HttpStatusCode.Forbidden);
        (await UpgradeWithOriginAsync(gateway, "https://app.example")).Should().Be(HttpStatusCode.SwitchingProtocols);
        await using var device = await DeviceClient.ConnectAsync(gateway);
        (await device.HelloAsync()).Get("transport").Should().Be("websocket");
    }

    [Test]
    public async Task A_client_that_never_finishes_its_upgrade_request_is_cut_off_after_the_handshake_timeout()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Admission:HandshakeTimeout", "00:00:01"] });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.DeviceUrl.Host, gateway.DeviceUrl.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /xiaozhi/v1/ HTTP/1.1\r\nHost: x\r\n"));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var buffer = new byte[1024];
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(buffer, guard.Token);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        while (read > 0)
        {
            read = await stream.ReadAsync(buffer, guard.Token);
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8), "Kestrel's header timeout (plus its heartbeat granularity) ends the connection");
        answer.Should().StartWith("HTTP/1.1 408 Request Timeout", "Kestrel answers a client that never finished its headers, then closes");
    }

    private static async Task<HttpStatusCode> UpgradeWithOriginAsync(Gateway gateway, string origin)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(gateway.DeviceUrl) { Scheme = "http" }.Uri);
        var device = DeviceIds.NewMac();
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Device-Id", device);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + TestTokens.For(gateway.JwtSecret, device));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
