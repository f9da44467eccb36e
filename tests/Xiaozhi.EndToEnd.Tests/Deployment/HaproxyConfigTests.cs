using System.Text.RegularExpressions;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Devices;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>deploy/haproxy/haproxy.cfg: valid for the installed haproxy, and its rules (the behaviour is in LoadBalancer/).</summary>
public sealed class HaproxyConfigTests
{
    private const string ConfigPath = "deploy/haproxy/haproxy.cfg";

    private static string Config => RepositoryFiles.Read(ConfigPath);

    [Test]
    public async Task The_shipped_config_passes_haproxy_check_with_warnings_as_errors()
    {
        var result = await ExternalTool.RunAsync("haproxy", "haproxy", ["-c", "-dW", "-f", RepositoryFiles.PathOf(ConfigPath)]);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Output.Should().Contain("Configuration file is valid");
    }

    [Test]
    public async Task A_bad_value_in_a_variable_is_refused_by_the_check()
    {
        // The check is not vacuous: the variables the tests set are parsed like literal values.
        var result = await ExternalTool.RunAsync(
            "haproxy", "haproxy", ["-c", "-f", RepositoryFiles.PathOf(ConfigPath)],
            environment: new Dictionary<string, string> { ["XIAOZHI_LB_TUNNEL_TIMEOUT"] = "ten minutes" });

        result.ExitCode.Should().NotBe(0, result.ToString());
        result.Output.Should().Contain("timeout tunnel");
    }

    [Test]
    public void The_tunnel_outlasts_any_quiet_time_the_gateway_allows_a_device()
    {
        var tunnel = HaproxyDuration.Parse(DefaultOf("XIAOZHI_LB_TUNNEL_TIMEOUT"));
        var client = HaproxyDuration.Parse(DefaultOf("XIAOZHI_LB_CLIENT_TIMEOUT"));
        var server = HaproxyDuration.Parse(DefaultOf("XIAOZHI_LB_SERVER_TIMEOUT"));

        // The gateway, not the balancer, decides when a quiet device is gone: Admission:IdleTimeout (pings may be off).
        tunnel.Should().BeGreaterThan(new AdmissionOptions().IdleTimeout + TimeSpan.FromMinutes(1));
        tunnel.Should().BeGreaterThan(new DeviceWebSocketOptions().KeepAliveInterval);
        tunnel.Should().BeGreaterThan(client).And.BeGreaterThan(server);
        Config.Should().MatchRegex(@"(?m)^\s*timeout tunnel ""\$\{XIAOZHI_LB_TUNNEL_TIMEOUT-");
    }

    [Test]
    public void Nodes_are_chosen_by_open_connections_and_checked_on_their_management_readiness()
    {
        var lines = Config.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        lines.Should().Contain("balance leastconn");
        lines.Should().Contain("option httpchk GET /readyz");
        lines.Should().Contain("http-check expect status 200");
        lines.Should().Contain("option forwardfor");
        lines.Should().Contain("http-request del-header X-Forwarded-For", "a device must not choose the address the nodes trust");
        lines.Should().Contain(l => l.StartsWith("stats socket ", StringComparison.Ordinal) && l.EndsWith("level admin", StringComparison.Ordinal));
        var servers = lines.Where(l => l.StartsWith("server ", StringComparison.Ordinal)).ToList();
        servers.Should().HaveCountGreaterThanOrEqualTo(2).And.OnlyContain(l => l.Contains(" port ", StringComparison.Ordinal), "each node is checked on its management port");
        lines.Should().NotContain(l => l.Contains("shutdown-sessions", StringComparison.Ordinal), "a failed check must not cut the node's open tunnels");
    }

    [Test]
    public void Three_nodes_are_listed_each_with_its_own_address_and_management_port_variables()
    {
        var servers = Regex.Matches(Config, @"(?m)^\s*server\s+(?<name>im\d+)\s+""\$\{(?<address>\w+)-[^}]+\}""\s+port\s+""\$\{(?<management>\w+)-[^}]+\}""")
            .Select(m => (m.Groups["name"].Value, m.Groups["address"].Value, m.Groups["management"].Value))
            .ToList();

        // The soak runs as many nodes as this file lists (docs/operations.md#soak); the kit sets exactly these variables.
        servers.Should().Equal(
            ("im1", "XIAOZHI_IM_NODE1", "XIAOZHI_IM_NODE1_MANAGEMENT_PORT"),
            ("im2", "XIAOZHI_IM_NODE2", "XIAOZHI_IM_NODE2_MANAGEMENT_PORT"),
            ("im3", "XIAOZHI_IM_NODE3", "XIAOZHI_IM_NODE3_MANAGEMENT_PORT"));
        Haproxy.ShippedServerCount.Should().Be(3);
    }

    private static string DefaultOf(string variable)
    {
        var match = Regex.Match(Config, @"\$\{" + variable + @"-(?<value>[^}]+)\}");
        match.Success.Should().BeTrue($"{ConfigPath} uses ${{{variable}-default}}");
        return match.Groups["value"].Value;
    }
}
