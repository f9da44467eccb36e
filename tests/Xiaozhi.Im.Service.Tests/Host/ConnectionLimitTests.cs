using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Testing.Polling;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>What one address can hold on the device port: open connections per address, refused connections, Kestrel's caps.</summary>
[Parallelizable(ParallelScope.None)]
public sealed class ConnectionLimitTests
{
    private static readonly IPAddress Crowded = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.3");

    [Test]
    public async Task An_address_at_its_open_connection_cap_gets_429_while_another_address_still_connects()
    {
        var (ai, address, _) = await FakeAiService.StartAsync();
        try
        {
            await using var host = await ImHost.StartAsync(address, "--Admission:PerIpConcurrentConnections", "2");
            await using var first = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { LocalAddress = Crowded });
            await using var second = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { LocalAddress = Crowded });

            var refused = await RawHttpExchange.SendAsync(host.HttpUrl, Upgrade("d-third"), Crowded);

            refused.Status.Should().Be(429);
            refused.Body.Should().Be("too many open connections from this address");
            refused.ServerClosed.Should().BeTrue("a refusal ends the connection");
            await using var elsewhere = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { LocalAddress = Other });
            await elsewhere.SendTextAsync("other address");
            (await elsewhere.ReceiveTextAsync()).Should().Be("other address");
            await first.SendTextAsync("still here");
            (await first.ReceiveTextAsync()).Should().Be("still here", "the sessions holding the address's slots are unaffected");

            // A session that ends gives its address slot back.
            await second.CloseAsync();
            var admission = host.App.Services.GetRequiredService<ConnectionAdmission>();
            await Eventually.Async(() => admission.OpenFrom(Crowded).Should().Be(1), TimeSpan.FromSeconds(5));
            await using var again = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { LocalAddress = Crowded });
            await again.SendTextAsync("back");
            (await again.ReceiveTextAsync()).Should().Be("back");
        }
        finally
        {
            await ai.StopAsync();
            await ai.DisposeAsync();
        }
    }

    [Test]
    public async Task Connections_refused_after_admission_give_their_address_slot_back()
    {
        var (ai, address, _) = await FakeAiService.StartAsync();
        try
        {
            await using var host = await ImHost.StartAsync(address, "--Admission:PerIpConcurrentConnections", "1");
            foreach (var request in new[]
            {
                RawHttpExchange.Upgrade("/xiaozhi/v1/", "Device-Id: d1"),
                RawHttpExchange.Upgrade("/xiaozhi/v1/", "Device-Id: d1", "Authorization: Bearer not.a.token"),
                RawHttpExchange.Upgrade("/xiaozhi/v1/", "Device-Id: d1", "Protocol-Version: 9"),
            })
            {
                var answer = await RawHttpExchange.SendAsync(host.HttpUrl, request, Crowded);
                answer.Status.Should().BeOneOf([400, 401], "each is refused for what it is, never for the address's cap: {0}", answer.Response);
                answer.ServerClosed.Should().BeTrue();
            }

            host.App.Services.GetRequiredService<ConnectionAdmission>().OpenFrom(Crowded).Should().Be(0);
            await using var device = await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { LocalAddress = Crowded });
            await device.SendTextAsync("in");
            (await device.ReceiveTextAsync()).Should().Be("in");
        }
        finally
        {
            await ai.StopAsync();
            await ai.DisposeAsync();
        }
    }

    [TestCase("GET /nope HTTP/1.1\r\nHost: gateway\r\n\r\n", 404)]
    [TestCase("GET /xiaozhi/v1/ HTTP/1.1\r\nHost: gateway\r\n\r\n", 426)]
    [TestCase(null, 401)]
    public async Task A_refusal_says_connection_close_and_the_server_closes_the_socket(string? request, int status)
    {
        var (ai, address, _) = await FakeAiService.StartAsync();
        try
        {
            await using var host = await ImHost.StartAsync(address);
            await using var bystander = await DeviceClient.ConnectAsync(host);

            var answer = await RawHttpExchange.SendAsync(host.HttpUrl, request ?? RawHttpExchange.Upgrade("/xiaozhi/v1/", "Device-Id: d1"));

            answer.Status.Should().Be(status);
            answer.Headers.Split("\r\n").Should().Contain("Connection: close");
            answer.ServerClosed.Should().BeTrue("the server ends the connection after its answer (read to EOF)");
            await bystander.SendTextAsync("unaffected");
            (await bystander.ReceiveTextAsync()).Should().Be("unaffected");
        }
        finally
        {
            await ai.StopAsync();
            await ai.DisposeAsync();
        }
    }

    [Test]
    public async Task Two_hundred_refused_requests_left_open_by_the_client_hold_no_server_socket()
    {
        await using var host = await ImHost.StartAsync(ImHost.ClosedEndpoint());
        var port = host.HttpUrl.Port;
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                await socket.SendAsync(Encoding.ASCII.GetBytes("GET /nope HTTP/1.1\r\nHost: gateway\r\n\r\n"));
                var buffer = new byte[1024];
                (await socket.ReceiveAsync(buffer)).Should().BeGreaterThan(0);
            }

            // The client keeps every socket open; count the server's side still ESTABLISHED.
            await Eventually.Async(() => EstablishedServerSockets(port).Should().Be(0), TimeSpan.FromSeconds(5));
            await TestContext.Out.WriteLineAsync($"server sockets ESTABLISHED after 200 refused requests: {EstablishedServerSockets(port)}");
        }
        finally
        {
            await TestContext.Out.WriteLineAsync($"server sockets ESTABLISHED at the end: {EstablishedServerSockets(port)}");
            foreach (var socket in clients)
            {
                socket.Dispose();
            }
        }
    }

    [Test]
    public async Task Kestrels_connection_caps_are_derived_from_the_session_limit()
    {
        await using var host = await ImHost.StartAsync(ImHost.ClosedEndpoint(), "--Admission:MaxConcurrentSessions", "50");

        var limits = host.App.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        limits.MaxConcurrentUpgradedConnections.Should().Be(150, "50 sessions + a headroom of at least 100");
        limits.MaxConcurrentConnections.Should().Be(150);
    }

    [TestCase(50, 150)]
    [TestCase(10_000, 11_000)]
    public void The_headroom_is_a_tenth_of_the_session_limit_and_at_least_100(int sessions, long expected)
    {
        var limits = new KestrelServerOptions().Limits;

        KestrelConnectionLimits.Apply(limits, new AdmissionOptions { MaxConcurrentSessions = sessions });

        limits.MaxConcurrentUpgradedConnections.Should().Be(expected);
        limits.MaxConcurrentConnections.Should().Be(expected);
    }

    private static string Upgrade(string deviceId) =>
        RawHttpExchange.Upgrade("/xiaozhi/v1/", $"Device-Id: {deviceId}", $"Authorization: Bearer {TestTokens.For(ImHost.Secret, deviceId)}");

    /// <summary>Sockets in state ESTABLISHED (01) whose local port is the server's, from /proc/net/tcp.</summary>
    private static int EstablishedServerSockets(int port)
    {
        var localPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f[1].EndsWith(localPort, StringComparison.Ordinal) && f[3] == "01");
    }
}
