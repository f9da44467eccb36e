using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Management;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>dns:/// AI endpoints against real stubs: the system resolver on localhost, and a replaced resolver moving a fleet.</summary>
public sealed class DnsEndpointTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("configures the gateway's AI endpoints");

    [Test]
    public async Task Dns_localhost_with_a_port_reaches_the_local_stub()
    {
        var port = FreePort(IPAddress.Loopback);
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            StubArgs = ["--urls", $"http://127.0.0.1:{port}"],
            ImArgs = ["--Ai:Endpoints:0", $"dns:///localhost:{port}"],
        });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        (await device.ChatAsync("by name")).SttText.Should().Be("by name");
        Pool(gateway).Endpoints.Select(e => e.Address).Should().Contain(new Uri($"http://127.0.0.1:{port}/"));
        gateway.StubSessions.Sessions.Should().Contain(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId);
    }

    [Test]
    public async Task Before_the_first_dns_answer_readiness_says_it_waits_for_dns_and_is_ready_once_the_name_answers()
    {
        var port = FreePort(IPAddress.Loopback);
        var resolver = new SwitchableResolver();
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            StubArgs = ["--urls", $"http://127.0.0.1:{port}"],
            ImArgs =
            [
                "--Ai:Endpoints:0", $"dns:///ai.test:{port}",
                "--Ai:DnsRefreshInterval", "00:00:00.2",
                "--Ai:DnsMinRefreshInterval", "00:00:00.1",
                "--Ai:HealthCheckInterval", "00:00:00.2",
            ],
            ConfigureIm = builder => builder.Services.AddSingleton<IAiEndpointResolver>(resolver),
        });
        var management = gateway.Im.Services.GetRequiredService<ManagementServer>().Addresses.First();

        var (status, body) = await GetAsync(management, "/readyz");

        status.Should().Be(HttpStatusCode.ServiceUnavailable);
        body.Should().Be($"not ready: waiting for the first DNS answer of dns:///ai.test:{port} (no AI endpoint yet)", "not \"none of 0 AI endpoints\"");

        resolver.Answer = ["127.0.0.1"];
        await Eventually.Async(() => GetAsync(management, "/readyz").Result.Status.Should().Be(HttpStatusCode.OK));
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri management, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri(management, path));
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
    }

    [Test]
    public async Task A_name_that_gains_and_loses_addresses_moves_new_sessions_and_a_vanished_backend_s_sessions_resume()
    {
        // Two stubs on one port at two loopback addresses: the name's A records.
        var port = FreePort(IPAddress.Loopback, IPAddress.Parse("127.0.0.2"));
        var resolver = new SwitchableResolver("127.0.0.1");
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            StubArgs = ["--urls", $"http://127.0.0.1:{port}"],
            ImArgs =
            [
                "--Ai:Endpoints:0", $"dns:///ai.test:{port}",
                "--Ai:DnsRefreshInterval", "00:00:00.2",
                "--Ai:DnsMinRefreshInterval", "00:00:00.1",
                // Long: a new address must be checked when it appears, not at the next round.
                "--Ai:HealthCheckInterval", "00:05:00",
            ],
            ConfigureIm = builder => builder.Services.AddSingleton<IAiEndpointResolver>(resolver),
        });
        await using var secondHost = await StubHost.StartAsync(gateway, $"http://127.0.0.2:{port}");
        var second = secondHost.App;
        var pool = Pool(gateway);
        var first = new Uri($"http://127.0.0.1:{port}/");
        var other = new Uri($"http://127.0.0.2:{port}/");

        await using var early = await DeviceClient.ConnectAsync(gateway);
        await early.HelloAsync();
        (await early.ChatAsync("one")).SttText.Should().Be("one");
        pool.Endpoints.Select(e => e.Address).Should().Equal(first);

        resolver.Answer = ["127.0.0.1", "127.0.0.2"];
        await Eventually.Async(() => pool.Endpoints.Select(e => e.Address).Should().Equal(first, other));
        // Offered once connectable: the health monitor checks (and so connects) it as soon as it appears.
        await Eventually.Async(() => pool.Endpoints[1].Health.Should().Be(AiEndpointHealth.Serving));
        await using var late = await DeviceClient.ConnectAsync(gateway);
        await late.HelloAsync();
        (await late.ChatAsync("two")).SttText.Should().Be("two");
        SessionsOf(second, late).Should().NotBeEmpty("the new address takes new sessions (the other one already has one)");

        resolver.Answer = ["127.0.0.2"];
        await Eventually.Async(() => pool.Endpoints.Select(e => e.Address).Should().Equal(other));
        (await early.ChatAsync("still here")).SttText.Should().Be("still here", "a retired endpoint's stream runs on");
        SessionsOf(gateway.StubSessions, early).Should().ContainSingle("it did not move while its stream lived");
        await using var third = await DeviceClient.ConnectAsync(gateway);
        await third.HelloAsync();
        (await third.ChatAsync("three")).SttText.Should().Be("three");
        SessionsOf(second, third).Should().NotBeEmpty("the vanished address takes no new session");

        await gateway.StopStubAsync(0);
        await Eventually.Async(() => SessionsOf(second, early).Should().NotBeEmpty("its session resumed on the remaining address"));
        (await early.ChatAsync("moved")).SttText.Should().Be("moved");
        await Eventually.Async(() => pool.EndpointSet.RetiredCount.Should().Be(0, "the retired endpoint closed once its stream was gone"), TimeSpan.FromSeconds(15));
        early.CloseStatus.Should().BeNull();
    }

    private static AiEndpointPool Pool(Gateway gateway) => gateway.Im.Services.GetRequiredService<AiEndpointPool>();

    private static StubSession[] SessionsOf(WebApplication stub, DeviceClient device) =>
        SessionsOf(stub.Services.GetRequiredService<StubSessionRegistry>(), device);

    private static StubSession[] SessionsOf(StubSessionRegistry stub, DeviceClient device) =>
        [.. stub.Sessions.Where(s => s.Metadata.GetValueOrDefault("device-id") == device.DeviceId)];


    /// <summary>A port free on every one of <paramref name="addresses"/> (bound on each, then released).</summary>
    private static int FreePort(params IPAddress[] addresses)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var probe = new TcpListener(addresses[0], 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            var others = new List<TcpListener>();
            try
            {
                foreach (var address in addresses.Skip(1))
                {
                    var listener = new TcpListener(address, port);
                    listener.Start();
                    others.Add(listener);
                }

                return port;
            }
            catch (SocketException)
            {
            }
            finally
            {
                others.ForEach(l => l.Stop());
            }
        }

        throw new AssertionException("no port free on " + string.Join(", ", addresses.Select(a => a.ToString())));
    }

    /// <summary>A second stub at an address of its own, with an empty content root removed when it stops.</summary>
    private sealed class StubHost(WebApplication app, DirectoryInfo root) : IAsyncDisposable
    {
        public WebApplication App => app;

        public static async Task<StubHost> StartAsync(Gateway gateway, string urls)
        {
            var root = Directory.CreateTempSubdirectory("xiaozhi-e2e-dns-");
            var stub = StubApplication.Build(
            [
                "--contentRoot", root.FullName, "--urls", urls, "--Ota:Urls", "http://127.0.0.1:0",
                "--Auth:JwtSecret", gateway.JwtSecret, "--Stub:PacingEnabled", "false", "--Logging:LogLevel:Default", "Warning",
            ]);
            try
            {
                await stub.StartAsync();
                return new StubHost(stub, root);
            }
            catch
            {
                await stub.DisposeAsync();
                root.Delete(recursive: true);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.StopAsync(timeout.Token);
            await app.DisposeAsync();
            root.Delete(recursive: true);
        }
    }

    /// <summary>The name's A records, as the test sets them.</summary>
    private sealed class SwitchableResolver(params string[] answer) : IAiEndpointResolver
    {
        private volatile string[] _answer = answer;

        public string[] Answer
        {
            get => _answer;
            set => _answer = value;
        }

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            host == "ai.test"
                ? Task.FromResult(_answer.Select(IPAddress.Parse).ToArray())
                : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}
