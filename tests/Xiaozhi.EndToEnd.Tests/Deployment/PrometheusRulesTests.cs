using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Management;
using YamlDotNet.RepresentationModel;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>deploy/prometheus/alerts.yml: valid for promtool, each alert tested by alerts.test.yml, on metrics the gateway exports.</summary>
public sealed partial class PrometheusRulesTests
{
    private const string Directory = "deploy/prometheus";

    /// <summary>Series the in-process gateway below cannot show, and why.</summary>
    private static readonly Dictionary<string, string> NotOnOneNode = new(StringComparer.Ordinal)
    {
        ["up"] = "written by Prometheus itself for each scrape",
        ["xiaozhi_im_cluster_store_up"] = "exported only with Cluster:Redis set (docs/cluster.md)",
    };

    [Test]
    public async Task Promtool_checks_the_rules()
    {
        var result = await ExternalTool.RunAsync("promtool", "prometheus", ["check", "rules", "alerts.yml"], RepositoryFiles.PathOf(Directory));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Output.Should().Contain("SUCCESS");
    }

    [Test]
    public async Task Promtool_runs_the_alert_test_cases()
    {
        var result = await ExternalTool.RunAsync("promtool", "prometheus", ["test", "rules", "alerts.test.yml"], RepositoryFiles.PathOf(Directory));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Output.Should().Contain("SUCCESS");
    }

    [Test]
    public void Every_alert_has_a_test_case_in_which_it_fires()
    {
        var alerts = Load("alerts.yml")["groups"].AllNodes.OfType<YamlMappingNode>()
            .Where(n => n.Children.ContainsKey("alert")).Select(n => n["alert"].ToString()).ToList();
        var firing = Load("alerts.test.yml")["tests"].AllNodes.OfType<YamlMappingNode>()
            .Where(n => n.Children.ContainsKey("alertname") && n.Children.ContainsKey("exp_alerts") && ((YamlSequenceNode)n["exp_alerts"]).Children.Count > 0)
            .Select(n => n["alertname"].ToString()).ToHashSet();

        alerts.Should().HaveCountGreaterThanOrEqualTo(5);
        alerts.Should().OnlyContain(a => firing.Contains(a), "each alert needs a case that makes it fire (quiet cases alone cannot fail)");
    }

    [Test]
    public async Task The_rules_use_the_metric_names_a_running_gateway_exports()
    {
        await using var gateway = await Gateway.StartAsync();
        await using (var device = await DeviceClient.ConnectAsync(gateway))
        {
            await device.HelloAsync();
            await device.ChatAsync("one turn");
        }

        // A refused upgrade and a malformed v2 frame make the rejection and drop counters appear.
        await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions { OmitAuthorization = true });
        await using (var v2 = await DeviceClient.ConnectAsync(gateway, new DeviceConnectOptions { ProtocolVersion = 2 }))
        {
            await v2.HelloAsync();
            await v2.SendBinaryAsync([1, 2, 3]);
            await v2.ReceiveUntilTypeAsync("alert");
        }

        var management = gateway.Im.Services.GetRequiredService<ManagementServer>().Addresses.First();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var exported = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.Async(() =>
        {
            using var response = http.GetAsync(new Uri(management, "/metrics")).Result;
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            exported = [.. response.Content.ReadAsStringAsync().Result.Split('\n')
                .Select(l => SampleName().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value)];
            exported.Should().Contain("xiaozhi_im_drops_total");
        });

        var used = MetricName().Matches(RepositoryFiles.Read($"{Directory}/alerts.yml")).Select(m => m.Value)
            .Where(n => n.StartsWith("xiaozhi_", StringComparison.Ordinal) || n == "up").ToHashSet();
        used.Should().NotBeEmpty();
        used.Where(n => !NotOnOneNode.ContainsKey(n)).Should().OnlyContain(n => exported.Contains(n),
            "alerts.yml must name series the gateway exports; it exports: {0}", string.Join(", ", exported.Where(e => e.StartsWith("xiaozhi", StringComparison.Ordinal)).Order()));
    }

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(RepositoryFiles.Read($"{Directory}/{file}"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+\S+")]
    private static partial Regex SampleName();

    // Metric names in expressions: xiaozhi_* series, and `up` as a whole word before a selector.
    [GeneratedRegex(@"\bxiaozhi_[a-z0-9_]+|\bup(?=\{)")]
    private static partial Regex MetricName();
}
