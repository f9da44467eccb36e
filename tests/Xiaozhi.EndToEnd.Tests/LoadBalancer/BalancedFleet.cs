using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Management;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.EndToEnd.Tests.LoadBalancer;

/// <summary>
/// Two in-process IM nodes on one stub, behind the real haproxy on the shipped config (the kit's <see cref="Haproxy"/>)
/// with short client and check timeouts. The nodes trust the balancer (127.0.0.1, the address it dials them from) for
/// X-Forwarded-For. With TLS, its <c>wss://</c> listener gets a throw-away certificate for 127.0.0.1.
/// </summary>
internal sealed class BalancedFleet : IAsyncDisposable
{
    /// <summary>The balancer's client timeout here: an idle device must outlive it (the tunnel timeout takes over).</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The balancer's server timeout here (a node answers an upgrade well within it, once warm).</summary>
    public static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(2);

    private readonly BalancerCertificate? _certificate;
    private readonly DirectoryInfo? _certificateFolder;

    private BalancedFleet(Gateway[] nodes, Haproxy balancer, BalancerCertificate? certificate, DirectoryInfo? certificateFolder)
    {
        Nodes = nodes;
        Balancer = balancer;
        _certificate = certificate;
        _certificateFolder = certificateFolder;
        ViaBalancer = Gateway.At(balancer.DeviceUrl, nodes[0].JwtSecret);
    }

    /// <summary>Node 0 (haproxy's im1) with the stub, node 1 (im2) using node 0's stub.</summary>
    public IReadOnlyList<Gateway> Nodes { get; }

    public Haproxy Balancer { get; }

    /// <summary>The throw-away certificate of the TLS listener, for a client to trust.</summary>
    public BalancerCertificate Certificate => _certificate ?? throw new InvalidOperationException("started without TLS");

    /// <summary>What devices dial: the balancer.</summary>
    public Gateway ViaBalancer { get; }

    /// <summary>Starts the nodes and the balancer (<paramref name="tls"/>: with its wss:// listener; <paramref name="balancerEnvironment"/>: more haproxy variables).</summary>
    public static async Task<BalancedFleet> StartAsync(
        IReadOnlyList<string>? stubArgs = null, bool tls = false, IReadOnlyDictionary<string, string>? balancerEnvironment = null)
    {
        string[] nodeArgs =
        [
            "--Ai:HealthCheckInterval", "00:00:00.2",
            "--Limits:DrainTimeout", "00:00:10",
            "--ForwardedHeaders:KnownProxies:0", "127.0.0.1",
        ];
        var first = await Gateway.StartAsync(new GatewayOptions { ImArgs = nodeArgs, StubArgs = stubArgs ?? [] });
        Gateway? second = null;
        var certificateFolder = tls ? Directory.CreateTempSubdirectory("xiaozhi-balancer-cert-") : null;
        var certificate = certificateFolder is null ? null : BalancerCertificate.Create(certificateFolder);
        try
        {
            second = await Gateway.StartAsync(new GatewayOptions { ImArgs = nodeArgs, AiEndpointOverride = first.Stub.GetGrpcAddress() });
            // A node's first upgrade (JIT, the first AI connection) can outlast the test's short server timeout on a busy machine.
            await WarmUpAsync(first);
            await WarmUpAsync(second);
            var balancer = await Haproxy.StartAsync(new HaproxySettings([Backend(first), Backend(second)])
            {
                ClientTimeout = ClientTimeout,
                ServerTimeout = ServerTimeout,
                TlsCertificatePem = certificate?.PemPath,
                Environment = balancerEnvironment,
            });
            var fleet = new BalancedFleet([first, second], balancer, certificate, certificateFolder);
            await fleet.WaitUntilServersAreAsync("UP", "UP");
            return fleet;
        }
        catch
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            await first.DisposeAsync();
            certificate?.Dispose();
            certificateFolder?.Delete(recursive: true);
            throw;
        }
    }

    private static HaproxyBackend Backend(Gateway node) => new(node.DeviceUrl.Port, Management(node).Port);

    private static async Task WarmUpAsync(Gateway node)
    {
        await using var device = await DeviceClient.ConnectAsync(node);
        await device.HelloAsync();
        await device.ChatAsync("warm up");
    }

    /// <summary>The node's management address (/readyz, /metrics).</summary>
    public static Uri Management(Gateway node) => node.Im.Services.GetRequiredService<ManagementServer>().Addresses.First();

    /// <summary>The node holding the device's session (0 or 1), or null.</summary>
    public int? NodeOf(string deviceId)
    {
        var holders = Enumerable.Range(0, Nodes.Count).Where(i => Registry(i).Find(deviceId) is not null).ToList();
        holders.Should().HaveCountLessThanOrEqualTo(1, "one session per device");
        return holders.Count == 1 ? holders[0] : null;
    }

    /// <summary>The device's address as the node holding its session saw it.</summary>
    public string RemoteAddressOf(string deviceId)
    {
        var node = NodeOf(deviceId) ?? throw new AssertionException($"no node holds a session of {deviceId}");
        return ((Session)Registry(node).Find(deviceId)!).Metadata.RemoteAddress;
    }

    /// <summary>Waits until haproxy shows im1 and im2 in these states.</summary>
    public Task WaitUntilServersAreAsync(string im1, string im2) =>
        Eventually.Async(() =>
        {
            var status = Balancer.ServerStatusAsync().Result;
            status.Should().Contain("im1", im1).And.Contain("im2", im2, "haproxy's view of the nodes; its log:\n{0}", Balancer.Output);
        }, TimeSpan.FromSeconds(10));

    public static async Task<HttpStatusCode> ReadinessAsync(Gateway node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri(Management(node), "/readyz"));
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        // haproxy's log (one line per device connection: timings, retries, termination state) for a failed test.
        await TestContext.Out.WriteLineAsync("haproxy:\n" + Balancer.Output);
        await Balancer.DisposeAsync();
        // Node 1 first: it uses node 0's stub.
        await Nodes[1].DisposeAsync();
        await Nodes[0].DisposeAsync();
        _certificate?.Dispose();
        _certificateFolder?.Delete(recursive: true);
    }

    private SessionRegistry Registry(int node) => Nodes[node].Im.Services.GetRequiredService<SessionRegistry>();
}
