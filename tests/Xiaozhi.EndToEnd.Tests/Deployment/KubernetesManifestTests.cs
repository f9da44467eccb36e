using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>
/// deploy/kubernetes/: no cluster runs here, so the manifests are checked as documents: well-formed YAML, and the
/// rules that decide whether a rollout drops devices (grace period, probes on the management port, services).
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string ManifestDirectory = RepositoryFiles.PathOf("deploy/kubernetes");

    private static IReadOnlyList<YamlMappingNode> Documents() =>
        Directory.GetFiles(ManifestDirectory, "*.yaml").Order(StringComparer.Ordinal).SelectMany(file =>
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
        }).ToList();

    private static YamlMappingNode Single(string kind, string? name = null) =>
        Documents().Should().ContainSingle(d => Text(d, "kind") == kind && (name == null || Text(d["metadata"], "name") == name)).Subject;

    private static YamlMappingNode ImContainer() =>
        (YamlMappingNode)((YamlSequenceNode)Single("Deployment", "xiaozhi-im")["spec"]["template"]["spec"]["containers"]).Children.Single();

    [Test]
    public void Every_manifest_is_well_formed_yaml_with_kind_and_name()
    {
        var documents = Documents();

        documents.Should().HaveCountGreaterThanOrEqualTo(3);
        documents.Should().OnlyContain(d => Text(d, "apiVersion").Length > 0 && Text(d, "kind").Length > 0 && Text(d["metadata"], "name").Length > 0);
    }

    [Test]
    public async Task The_grace_period_outlasts_the_gateways_drain()
    {
        var grace = TimeSpan.FromSeconds(int.Parse(Text(Single("Deployment", "xiaozhi-im")["spec"]["template"]["spec"], "terminationGracePeriodSeconds"), CultureInfo.InvariantCulture));
        var host = await GatewayStopBudget.DefaultHostShutdownTimeoutAsync();

        grace.Should().BeGreaterThanOrEqualTo(host + GatewayStopBudget.Margin,
            "the kubelet must not SIGKILL the pod while turns finish (Limits:DrainTimeout {0}, host shutdown {1})", GatewayStopBudget.DefaultDrainTimeout, host);
    }

    [Test]
    public void Readiness_and_liveness_probe_the_management_port_which_listens_on_the_pod_address()
    {
        var container = ImContainer();
        var managementPort = ((YamlSequenceNode)container["ports"]).Children.Cast<YamlMappingNode>().Single(p => Text(p, "name") == "management");
        var readiness = (YamlMappingNode)container["readinessProbe"]["httpGet"];
        var liveness = (YamlMappingNode)container["livenessProbe"]["httpGet"];

        Text(readiness, "path").Should().Be("/readyz");
        Text(liveness, "path").Should().Be("/healthz");
        Text(readiness, "port").Should().Be("management");
        Text(liveness, "port").Should().Be("management");
        Env(container, "Management__Urls").Should().Be($"http://0.0.0.0:{Text(managementPort, "containerPort")}", "the kubelet probes the pod's IP, not its loopback");
        Text(Single("Deployment", "xiaozhi-im")["spec"]["template"]["spec"]["securityContext"], "runAsNonRoot").Should().Be("true");
    }

    [Test]
    public void Devices_reach_the_pods_through_a_service_and_the_ai_side_is_a_headless_service_read_by_dns()
    {
        var deployment = Single("Deployment", "xiaozhi-im");
        var podLabels = (YamlMappingNode)deployment["spec"]["template"]["metadata"]["labels"];
        var devices = Single("Service", "xiaozhi-im");
        var ai = Single("Service", "xiaozhi-ai");

        ((YamlMappingNode)devices["spec"]["selector"]).Children.Should().OnlyContain(kv => podLabels.Children.Contains(kv));
        ((YamlSequenceNode)devices["spec"]["ports"]).Children.Cast<YamlMappingNode>().Should().Contain(p => Text(p, "targetPort") == "devices");
        Text(ai["spec"], "clusterIP").Should().Be("None", "a headless Service publishes every AI pod's address");
        var aiPort = Text(((YamlSequenceNode)ai["spec"]["ports"]).Children.Cast<YamlMappingNode>().Single(), "port");
        Env(ImContainer(), "Ai__Endpoints__0").Should().MatchRegex($@"^dns:///xiaozhi-ai\.[a-z0-9-]+\.svc\.cluster\.local:{aiPort}$");
        Env(ImContainer(), "Auth__JwtSecret").Should().BeNull("the secret comes from a Secret (valueFrom), never a literal");
    }

    [Test]
    public void The_pod_gets_no_service_account_token()
    {
        Text(Single("Deployment", "xiaozhi-im")["spec"]["template"]["spec"], "automountServiceAccountToken")
            .Should().Be("false", "the gateway never calls the Kubernetes API");
    }

    [TestCase("readinessProbe", 2, 10)]
    [TestCase("livenessProbe", 3, 30)]
    public void A_probe_does_not_act_on_one_slow_answer(string probeName, int minimumFailures, int minimumSecondsToAct)
    {
        var probe = (YamlMappingNode)ImContainer()[probeName];
        int Number(string key, int kubernetesDefault) =>
            Text(probe, key) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : kubernetesDefault;

        var failures = Number("failureThreshold", 3);
        var period = Number("periodSeconds", 10);
        var timeout = Number("timeoutSeconds", 1);

        failures.Should().BeGreaterThanOrEqualTo(minimumFailures, "one GC pause or busy moment is one failed probe");
        timeout.Should().BeGreaterThanOrEqualTo(2, "a pause of a second must not fail the probe");
        (failures * period).Should().BeGreaterThanOrEqualTo(minimumSecondsToAct, "the probe acts on a lasting fault only");
    }

    [Test]
    public void More_than_one_replica_shares_a_required_redis_registry()
    {
        var replicas = int.Parse(Text(Single("Deployment", "xiaozhi-im")["spec"], "replicas") is { Length: > 0 } r ? r : "1", CultureInfo.InvariantCulture);
        if (replicas <= 1)
        {
            Assert.Pass("one replica needs no shared registry");
        }

        var entry = ((YamlSequenceNode)ImContainer()["env"]).Children.Cast<YamlMappingNode>()
            .Should().ContainSingle(e => Text(e, "name") == "Cluster__Redis", "{0} replicas need Cluster:Redis (docs/cluster.md)", replicas).Subject;
        if (entry.Children.ContainsKey("value"))
        {
            Text(entry, "value").Should().NotBeNullOrWhiteSpace();
            return;
        }

        var reference = (YamlMappingNode)(entry["valueFrom"] is YamlMappingNode from && from.Children.ContainsKey("secretKeyRef") ? from["secretKeyRef"] : entry["valueFrom"]["configMapKeyRef"]);
        Text(reference, "optional").Should().BeOneOf(["", "false"], "a missing Redis setting must stop the pod, not start a lone node");
    }

    [Test]
    public void A_network_policy_opens_the_management_port_only_to_named_scrapers()
    {
        var policy = Single("NetworkPolicy");
        var podLabels = (YamlMappingNode)Single("Deployment", "xiaozhi-im")["spec"]["template"]["metadata"]["labels"];
        ((YamlMappingNode)policy["spec"]["podSelector"]["matchLabels"]).Children.Should().OnlyContain(kv => podLabels.Children.Contains(kv));
        ((YamlSequenceNode)policy["spec"]["policyTypes"]).Children.Select(n => ((YamlScalarNode)n).Value).Should().Contain("Ingress");
        var container = ImContainer();
        var managementPort = Text(((YamlSequenceNode)container["ports"]).Children.Cast<YamlMappingNode>().Single(p => Text(p, "name") == "management"), "containerPort");
        var rules = ((YamlSequenceNode)policy["spec"]["ingress"]).Children.Cast<YamlMappingNode>().ToList();

        rules.Should().Contain(r => Ports(r).Contains("devices") && OpenToAll(r), "devices connect from anywhere");
        foreach (var rule in rules.Where(OpenToAll))
        {
            Ports(rule).Should().NotBeEmpty("a rule open to all without ports opens every port, management included")
                .And.NotContain(["management", managementPort]);
        }

        rules.Should().Contain(r => Ports(r).Contains("management") && !OpenToAll(r), "Prometheus scrapes /metrics");
    }

    private static List<string> Ports(YamlMappingNode rule) => rule.Children.TryGetValue("ports", out var ports)
        ? [.. ((YamlSequenceNode)ports).Children.Cast<YamlMappingNode>().Select(p => Text(p, "port"))]
        : [];

    private static bool OpenToAll(YamlMappingNode rule) => !rule.Children.TryGetValue("from", out var from) || ((YamlSequenceNode)from).Children.Count == 0;

    private static string? Env(YamlMappingNode container, string name)
    {
        var entry = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().Should().ContainSingle(e => Text(e, "name") == name).Subject;
        return entry.Children.ContainsKey("value") ? Text(entry, "value") : null;
    }

    private static string Text(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value ?? string.Empty : string.Empty;
}
