using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// X-Forwarded-For decides the per-IP admission address only from ForwardedHeaders:KnownProxies / KnownNetworks peers.
/// Every gateway here allows 2 upgrades per address (and practically no refill), so the third from one address is 429.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private static readonly string[] TwoPerAddress = ["--Admission:PerIpConnectionBurst", "2", "--Admission:PerIpConnectionsPerSecond", "0.01"];

    private readonly List<HttpClient> _clients = [];

    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("configures the gateway's trusted proxies");

    [TearDown]
    public void CloseUpgradedConnections()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _clients.Clear();
    }

    [Test]
    public async Task From_a_trusted_proxy_each_forwarded_address_has_its_own_limit()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = [.. TwoPerAddress, "--ForwardedHeaders:KnownProxies:0", "127.0.0.1"] });

        (await UpgradeAsync(gateway, "203.0.113.7")).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "203.0.113.7")).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "203.0.113.7")).Should().Be(HttpStatusCode.TooManyRequests, "the forwarded device spent its burst");
        (await UpgradeAsync(gateway, "203.0.113.8")).Should().Be(HttpStatusCode.SwitchingProtocols, "another device behind the same proxy");
        (await UpgradeAsync(gateway, "203.0.113.9")).Should().Be(HttpStatusCode.SwitchingProtocols, "the proxy's own address is not what is counted");
        (await UpgradeAsync(gateway, forwardedFor: null)).Should().Be(HttpStatusCode.SwitchingProtocols, "the proxy's own address has its own limit");
    }

    [Test]
    public async Task From_a_peer_that_is_not_a_known_proxy_the_header_is_ignored()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = [.. TwoPerAddress, "--ForwardedHeaders:KnownProxies:0", "127.0.0.2"] });

        (await UpgradeAsync(gateway, "203.0.113.7")).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "203.0.113.8")).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "203.0.113.9")).Should().Be(HttpStatusCode.TooManyRequests, "all three come from 127.0.0.1, whatever they claim");
    }

    [Test]
    public async Task With_nothing_configured_the_header_is_ignored_from_loopback_too()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = TwoPerAddress });

        (await UpgradeAsync(gateway, "203.0.113.7")).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "203.0.113.8")).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "203.0.113.9")).Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Test]
    public async Task A_proxy_inside_a_known_network_is_trusted_and_a_spoofed_entry_left_of_the_device_is_not_read()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = [.. TwoPerAddress, "--ForwardedHeaders:KnownNetworks:0", "127.0.0.2/31"] });
        var proxy = IPAddress.Parse("127.0.0.3");

        // The device wrote 198.51.100.1 itself; the proxy appended the address it saw.
        (await UpgradeAsync(gateway, "198.51.100.1, 203.0.113.7", proxy)).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "198.51.100.2, 203.0.113.7", proxy)).Should().Be(HttpStatusCode.SwitchingProtocols);
        (await UpgradeAsync(gateway, "198.51.100.3, 203.0.113.7", proxy)).Should().Be(HttpStatusCode.TooManyRequests, "203.0.113.7 is counted, not what it claimed");
        (await UpgradeAsync(gateway, "203.0.113.8", proxy)).Should().Be(HttpStatusCode.SwitchingProtocols);
    }

    [Test]
    public async Task A_forwarded_address_is_recorded_without_a_port_and_a_direct_peer_with_its_own()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--ForwardedHeaders:KnownProxies:0", "127.0.0.1"] });

        await using var forwarded = await DeviceClient.ConnectAsync(gateway, new DeviceConnectOptions { ExtraHeaders = new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.7" } });
        await using var direct = await DeviceClient.ConnectAsync(gateway);
        await forwarded.HelloAsync();
        await direct.HelloAsync();

        var registry = gateway.Im.Services.GetRequiredService<ISessionRegistry>();
        await Eventually.Async(() => registry.Snapshot().OfType<Session>().Should().HaveCount(2));
        var recorded = registry.Snapshot().OfType<Session>().Select(s => s.Metadata.RemoteAddress).ToList();
        recorded.Should().Contain("203.0.113.7", "the header carries no port: the address alone, not 203.0.113.7:0");
        recorded.Should().ContainSingle(a => a.StartsWith("127.0.0.1:", StringComparison.Ordinal) && a != "127.0.0.1:0", "a direct peer's port is known");
    }

    /// <summary>A WebSocket upgrade from <paramref name="from"/> (127.0.0.1 by default) with the given X-Forwarded-For; the status.</summary>
    private async Task<HttpStatusCode> UpgradeAsync(Gateway gateway, string? forwardedFor, IPAddress? from = null)
    {
        var local = from ?? IPAddress.Loopback;
        var http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        // Kept open until the test ends: an upgraded connection is a session the gateway holds.
        _clients.Add(http);
        var device = DeviceIds.NewMac();
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(gateway.DeviceUrl) { Scheme = "http" }.Uri);
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        request.Headers.TryAddWithoutValidation("Device-Id", device);
        request.Headers.TryAddWithoutValidation("Client-Id", Guid.NewGuid().ToString());
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + TestTokens.For(gateway.JwtSecret, device));
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
