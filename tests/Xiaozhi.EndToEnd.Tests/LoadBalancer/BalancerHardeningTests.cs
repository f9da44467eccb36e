using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests.LoadBalancer;

/// <summary>
/// The shipped HAProxy configuration's guards, run for real: its wss:// listener, log lines without the query (browsers
/// send the token there), and its limit on open connections per source.
/// </summary>
public sealed class BalancerHardeningTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("starts its own nodes behind haproxy");

    [Test]
    public async Task A_device_completes_a_hello_through_the_balancers_tls_listener()
    {
        await using var fleet = await BalancedFleet.StartAsync(tls: true);
        await using var plain = await DeviceClient.ConnectAsync(fleet.ViaBalancer);
        var deviceId = DeviceIds.NewMac();

        using var secure = await DialSecureAsync(fleet, deviceId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await secure.SendAsync("""{"type":"hello","features":{"mcp":false}}"""u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[4096];
        var received = await secure.ReceiveAsync(buffer, timeout.Token);

        Encoding.UTF8.GetString(buffer, 0, received.Count).Should().Contain("\"type\":\"hello\"").And.Contain("\"transport\":\"websocket\"");
        fleet.NodeOf(deviceId).Should().NotBeNull("the device's session lives on a node behind the balancer");
        (await plain.HelloAsync()).Get("transport").Should().Be("websocket", "the ws:// listener serves as before");
    }

    [Test]
    public async Task The_balancers_log_line_has_the_path_but_never_the_query_token()
    {
        await using var fleet = await BalancedFleet.StartAsync();
        const string Secret = "s3cret-query-token";
        var deviceId = DeviceIds.NewMac();
        var token = TestTokens.For(fleet.Nodes[0].JwtSecret, deviceId);

        // A browser's way in: identity and token in the query. Closing the device ends the tunnel, which logs its line.
        await using (var browser = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions
        {
            DeviceId = deviceId,
            OmitAuthorization = true,
            OmitDeviceIdHeader = true,
            PathAndQuery = $"/xiaozhi/v1/?device-id={deviceId}&token={token}",
        }))
        {
            await browser.HelloAsync();
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var plain = await http.GetAsync(new UriBuilder(fleet.Balancer.DeviceUrl) { Scheme = "http", Query = "token=" + Secret }.Uri);
        plain.StatusCode.Should().Be(HttpStatusCode.UpgradeRequired);

        await Eventually.Async(
            () => fleet.Balancer.Output.Split('\n').Count(l => l.Contains("\"GET\" \"/xiaozhi/v1/", StringComparison.Ordinal)).Should().BeGreaterThanOrEqualTo(2, fleet.Balancer.Output),
            TimeSpan.FromSeconds(10));
        fleet.Balancer.Output.Should().NotContain(Secret).And.NotContain(token).And.NotContain("token=")
            .And.Contain("\"GET\" \"/xiaozhi/v1/\" \"HTTP/1.1\"", "the line keeps method, path and version");
    }

    [Test]
    public async Task A_source_past_its_open_connection_limit_gets_429_from_the_balancer_while_another_source_connects()
    {
        await using var fleet = await BalancedFleet.StartAsync(balancerEnvironment: new Dictionary<string, string> { ["XIAOZHI_LB_PER_SOURCE_CONNECTIONS"] = "2" });
        var crowded = IPAddress.Parse("127.0.0.41");
        await using var first = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions { LocalAddress = crowded });
        await using var second = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions { LocalAddress = crowded });

        var refused = await RawUpgradeAsync(fleet, crowded);

        refused.Should().StartWith("HTTP/1.1 429").And.EndWith("too many open connections from this address");
        await using var elsewhere = await DeviceClient.ConnectAsync(fleet.ViaBalancer, new DeviceConnectOptions { LocalAddress = IPAddress.Parse("127.0.0.42") });
        (await elsewhere.HelloAsync()).Get("transport").Should().Be("websocket");
        (await first.ChatAsync("still here")).SttText.Should().Be("still here", "the source's open tunnels are unaffected");

        await second.CloseAsync();
        await Eventually.Async(() => RawUpgradeAsync(fleet, crowded).Result.Should().NotStartWith("HTTP/1.1 429"), TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// A wss:// device through the balancer. The process's first TLS handshake (cold crypto code, a loaded machine) can
    /// outlast the test balancer's 1 s client timeout, which haproxy answers with 408: that one is tried again.
    /// </summary>
    private static async Task<ClientWebSocket> DialSecureAsync(BalancedFleet fleet, string deviceId)
    {
        for (var attempt = 1; ; attempt++)
        {
            var secure = new ClientWebSocket();
            secure.Options.CollectHttpResponseDetails = true;
            secure.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => fleet.Certificate.Validates(certificate);
            secure.Options.SetRequestHeader("Authorization", "Bearer " + TestTokens.For(fleet.Nodes[0].JwtSecret, deviceId));
            secure.Options.SetRequestHeader("Device-Id", deviceId);
            secure.Options.SetRequestHeader("Client-Id", "balancer-tls");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await secure.ConnectAsync(fleet.Balancer.SecureDeviceUrl, timeout.Token);
                return secure;
            }
            catch (WebSocketException) when (attempt < 3 && secure.HttpStatusCode == HttpStatusCode.RequestTimeout)
            {
                secure.Dispose();
            }
        }
    }

    /// <summary>An upgrade request from <paramref name="from"/>; its answer, read until the balancer closes (or 2 s).</summary>
    private static async Task<string> RawUpgradeAsync(BalancedFleet fleet, IPAddress from)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(IPAddress.Loopback, fleet.Balancer.DeviceUrl.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        // No credentials: a node answers 401, the balancer's own limit 429; both end the connection.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /xiaozhi/v1/ HTTP/1.1\r\nHost: balancer\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            + $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\n\r\n"));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException)
        {
            // The answer so far: the status line is all the callers look at once the body is in.
        }

        return answer.ToString();
    }
}
