using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Management;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>The management port: liveness, readiness that follows the AI service, and Prometheus metrics after real turns.</summary>
public sealed partial class OperationsTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("reads the in-process IM's management port");

    private static Uri Management(Gateway gateway) =>
        gateway.Im.Services.GetRequiredService<ManagementServer>().Addresses.Should().NotBeEmpty().And.Subject.First();

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(Uri management, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri(management, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Readiness_follows_the_ai_service_and_liveness_stays_up()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:HealthCheckInterval", "00:00:00.2"] });
        var management = Management(gateway);

        await Eventually.Async(() => GetAsync(management, "/readyz").Result.Status.Should().Be(HttpStatusCode.OK));
        (await GetAsync(management, "/healthz")).Status.Should().Be(HttpStatusCode.OK);

        await gateway.StopStubAsync();

        await Eventually.Async(() =>
        {
            var (status, body) = GetAsync(management, "/readyz").Result;
            status.Should().Be(HttpStatusCode.ServiceUnavailable);
            body.Should().Contain("none of 1 AI endpoints is serving");
        });
        (await GetAsync(management, "/healthz")).Status.Should().Be(HttpStatusCode.OK, "the gateway itself is alive");

        await gateway.StartStubAsync();
        await Eventually.Async(() => GetAsync(management, "/readyz").Result.Status.Should().Be(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_fresh_node_whose_ai_endpoint_is_down_exports_the_series_the_alerts_read_before_any_device()
    {
        // Nothing listens there: the node is unready from the start, and no device ever connects.
        var down = new Uri($"http://127.0.0.1:{FreePort.Pick()}/");
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            AiEndpointOverride = down,
            ImArgs = ["--Ai:HealthCheckInterval", "00:00:00.2"],
        });
        var management = Management(gateway);
        await Eventually.Async(() => GetAsync(management, "/readyz").Result.Status.Should().Be(HttpStatusCode.ServiceUnavailable));

        var (status, metrics) = await GetAsync(management, "/metrics");

        status.Should().Be(HttpStatusCode.OK);
        // XiaozhiImNoAiEndpointServing: sum by (instance) (xiaozhi_im_endpoint_serving) == 0.
        Value(metrics, "xiaozhi_im_endpoint_serving", ("endpoint", down.ToString())).Should().Be(0);
        // The counters the other rules read, at 0 (increase() counts the first event only after a first sample).
        Value(metrics, "xiaozhi_im_resume_events_total", ("event", "failed")).Should().Be(0);
        Value(metrics, "xiaozhi_im_resume_dropped_total", ("reason", "BufferFrames")).Should().Be(0);
        Value(metrics, "xiaozhi_im_upgrades_rejected_total", ("status", "503"), ("reason", "capacity")).Should().Be(0);
        Value(metrics, "xiaozhi_im_sessions_active").Should().Be(0);
    }

    [Test]
    public async Task Metrics_after_a_few_turns_count_sessions_frames_latency_and_rejections()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:HealthCheckInterval", "00:00:00.2"] });
        await using (var device = await DeviceClient.ConnectAsync(gateway))
        {
            await device.HelloAsync();
            await device.ChatAsync("one");
            await device.VoiceTurnAsync(DeviceFraming.AudioFrames(4));
        }

        await DeviceClient.ExpectRefusalAsync(gateway, new DeviceConnectOptions { OmitAuthorization = true });

        var metrics = string.Empty;
        await Eventually.Async(() =>
        {
            var (status, body) = GetAsync(Management(gateway), "/metrics").Result;
            status.Should().Be(HttpStatusCode.OK);
            metrics = body;
            Value(metrics, "xiaozhi_im_sessions_total").Should().BeGreaterThanOrEqualTo(1);
        });

        Value(metrics, "xiaozhi_im_frames_total", ("direction", "uplink"), ("kind", "text"), ("message_type", "chat")).Should().Be(1);
        Value(metrics, "xiaozhi_im_frames_total", ("direction", "uplink"), ("kind", "binary")).Should().Be(4);
        Value(metrics, "xiaozhi_im_frames_total", ("direction", "downlink"), ("kind", "text"), ("message_type", "tts")).Should().BeGreaterThanOrEqualTo(8);
        Value(metrics, "xiaozhi_im_hop_latency_milliseconds_count", ("direction", "uplink")).Should().BeGreaterThanOrEqualTo(7);
        Value(metrics, "xiaozhi_im_hop_latency_milliseconds_count", ("direction", "downlink")).Should().BeGreaterThanOrEqualTo(10);
        // ExpectRefusalAsync dials twice: once as a WebSocket, once over HTTP to read the plain-text reason.
        Value(metrics, "xiaozhi_im_upgrades_rejected_total", ("status", "401"), ("reason", "auth")).Should().Be(2);
        Value(metrics, "xiaozhi_im_endpoint_serving", Endpoint(gateway), ("state", "Serving")).Should().Be(1);
        Value(metrics, "xiaozhi_im_sessions_active").Should().Be(0, "the device left");
        Value(metrics, "xiaozhi_im_resume_events_total", ("event", "resumed")).Should().Be(0, "nothing failed upstream");
        Value(metrics, "xiaozhi_im_resume_dropped_total", ("reason", "BufferFrames")).Should().Be(0);
    }

    [Test]
    public async Task Metrics_show_a_resume_its_duration_and_the_upstream_connections()
    {
        await using var gateway = await Gateway.StartAsync(new GatewayOptions { ImArgs = ["--Ai:HealthCheckInterval", "00:00:00.2"] });
        await using var device = await DeviceClient.ConnectAsync(gateway);
        await device.HelloAsync();

        gateway.StubFaults.DropAllStreams();
        await Eventually.Async(() => gateway.Counters.Resumes.Should().Be(1));
        (await device.ChatAsync("after the resume")).SttText.Should().Be("after the resume");

        var (_, metrics) = await GetAsync(Management(gateway), "/metrics");
        Value(metrics, "xiaozhi_im_resume_events_total", ("event", "resumed")).Should().Be(1);
        Value(metrics, "xiaozhi_im_resume_duration_milliseconds_count").Should().Be(1);
        Value(metrics, "xiaozhi_im_resume_duration_milliseconds_sum").Should().BeGreaterThan(0);
        Value(metrics, "xiaozhi_im_upstream_connections", Endpoint(gateway)).Should().BeGreaterThanOrEqualTo(1);
        Value(metrics, "xiaozhi_im_upstream_streams", Endpoint(gateway)).Should().Be(1, "the session's one live stream");
        Value(metrics, "xiaozhi_im_resume_buffered_frames").Should().Be(0, "nothing is waiting once resumed");
    }

    /// <summary>
    /// This gateway's endpoint label: the suite runs several IM hosts in one process and OpenTelemetry listens to every
    /// meter named Xiaozhi.Im, so per-endpoint series of other hosts show up too (in production: one IM per process).
    /// </summary>
    private static (string Key, string Value) Endpoint(Gateway gateway) =>
        ("endpoint", Xiaozhi.AiService.Stub.StubApplicationExtensions.GetGrpcAddress(gateway.Stub).ToString());

    /// <summary>The value of the first sample of <paramref name="name"/> carrying all <paramref name="labels"/>.</summary>
    private static double Value(string metrics, string name, params (string Key, string Value)[] labels)
    {
        foreach (var line in metrics.Split('\n'))
        {
            var match = Sample().Match(line);
            if (!match.Success || match.Groups["name"].Value != name)
            {
                continue;
            }

            var set = match.Groups["labels"].Value;
            if (labels.All(l => set.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new AssertionException($"no sample {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in:\n{string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("xiaozhi", StringComparison.Ordinal)))}");
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
