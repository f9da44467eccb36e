using System.Diagnostics.Metrics;
using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Devices.Connect;
using Xiaozhi.Im.Service.Logging;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Tests.Host;
using Xiaozhi.Testing.Documentation;
using Xiaozhi.Testing.Polling;

namespace Xiaozhi.Im.Service.Tests.Devices.Connect;

/// <summary>
/// Every refusal of the connect steps on the real host over loopback: the status and plain-text reason the client gets,
/// the event id in the host's own log file, the <c>reason</c> label of <c>xiaozhi.im.upgrades.rejected</c>; and a
/// session of another device on the same node still answers afterwards.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class ConnectRefusalTests
{
    private const string Bystander = "aa:bb:cc:00:00:01";
    private const string Listen = "{\"type\":\"listen\",\"state\":\"start\"}";

    public static IEnumerable<RefusalCase> Refusals()
    {
        yield return Case("path", Send("/nope", ("Device-Id", "d1")), 404, "not found: devices connect with a WebSocket on one of the configured paths", 2001);
        yield return Case("not_websocket", PlainGet("/xiaozhi/v1/"), 426, "WebSocket upgrade required", 2001);
        yield return Case("draining", Send("/", ("Device-Id", "d1")), 503, "server draining, try again later", 2001, arrange: host => host.App.Services.GetRequiredService<GatewayDrain>().Begin());
        yield return Case("origin", Send("/", ("Device-Id", "d1"), ("Origin", "https://elsewhere.example")), 403, "origin not allowed", 2001);
        yield return Case("bad_protocol_version", Send("/", ("Device-Id", "d1"), ("Protocol-Version", "9")), 400, "Protocol-Version must be 1, 2 or 3", 2001);
        yield return Case("bad_id_header", Send("/", ("Device-Id", new string('a', 300))), 400, "Device-Id must be printable ASCII of at most 256 characters", 2001);
        yield return Case("no_device_id", Send("/"), 400, "Device-Id is required (header Device-Id or query device-id)", 2001, args: ["--Auth:Enabled", "false"]);
        yield return Case("auth", Send("/", ("Device-Id", "d1")), 401, "missing token", 2002);
        yield return Case("duplicate", Send("/", ("Device-Id", Bystander), ("Authorization", "Bearer " + TestTokens.For(ImHost.Secret, Bystander))), 409, "this device already has a live connection", 2001);
        yield return Case("no_ai_endpoint", Send("/", ("Device-Id", "d1"), ("Authorization", "Bearer " + TestTokens.For(ImHost.Secret, "d1"))), 503, "AI service unavailable, try again later", 2001, noAi: true);
    }

    [Test]
    public void Every_refusal_has_a_metric_label_of_its_own_and_the_label_is_documented()
    {
        Refusals().Select(r => r.Label).Should().OnlyHaveUniqueItems("a label two refusals share cannot tell them apart on a dashboard");

        var labels = typeof(ConnectRefusal).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(ConnectRefusal))
            .Select(p => ((ConnectRefusal)p.GetValue(null)!).MetricLabel)
            .Concat(Enum.GetValues<HandshakeProblem>().Select(problem => ConnectRefusal.BadHandshake(problem, "x").MetricLabel))
            .Append(ConnectRefusal.Unauthorized("x", tokenPresent: false).MetricLabel)
            .ToList();
        labels.Should().OnlyHaveUniqueItems("each refusal the connect steps name has a label of its own");

        var row = RepositoryFiles.Read("docs/operations.md").Split('\n').Single(line => line.StartsWith("| `xiaozhi_im_upgrades_rejected_total`", StringComparison.Ordinal));
        var documented = System.Text.RegularExpressions.Regex.Matches(row[row.IndexOf("`reason` (", StringComparison.Ordinal)..], "`([a-z_]+)`").Select(m => m.Groups[1].Value).Skip(1).ToList();
        documented.Should().OnlyHaveUniqueItems().And.Contain(labels).And.Contain(Refusals().Select(r => r.Label), "docs/operations.md lists every reason label");
    }

    [TestCaseSource(nameof(Refusals))]
    public async Task A_refusal_gets_its_status_reason_log_event_and_metric_label_and_spares_another_session(RefusalCase refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var (ai, address, _) = await FakeAiService.StartAsync();
        var logFolder = Directory.CreateTempSubdirectory("xiaozhi-connect-refusal-");
        var logFile = Path.Combine(logFolder.FullName, "im.log");
        try
        {
            await using var host = await ImHost.StartAsync(
                refusal.NoAi ? ImHost.ClosedEndpoint() : address,
                [
                    "--" + FileLoggerProvider.PathKey, logFile,
                    "--Logging:LogLevel:Xiaozhi.Im.Service.Devices", "Information",
                    "--Admission:AllowedOrigins:0", "https://device.example",
                    "--Sessions:DuplicateDevicePolicy", "Reject",
                    .. refusal.Args,
                ]);
            using var rejected = new MetricCollector<long>(host.App.Services.GetRequiredService<IMeterFactory>(), ImTelemetry.Name, "xiaozhi.im.upgrades.rejected");
            await using var bystander = refusal.NoAi ? null : await DeviceClient.ConnectAsync(host, new DeviceConnectOptions { DeviceId = Bystander });
            refusal.Arrange(host);

            var (status, body) = await refusal.Send(host);

            ((int)status).Should().Be(refusal.Status);
            body.Should().StartWith(refusal.Reason);
            var counted = rejected.GetMeasurementSnapshot().Where(m => m.Value > 0).ToList();
            counted.Should().ContainSingle().Which.Tags.Should().Contain("status", refusal.Status).And.Contain("reason", refusal.Label);
            await Eventually.Async(() => LogLines(logFile).Should().ContainSingle(line => line.Contains($"DeviceWebSocketEndpoint[{refusal.EventId}]", StringComparison.Ordinal)));
            if (bystander is not null)
            {
                await bystander.SendTextAsync(Listen);
                (await bystander.ReceiveTextAsync()).Should().Be(Listen, "a refused connection leaves the node's other sessions alone");
            }
        }
        finally
        {
            await ai.StopAsync();
            await ai.DisposeAsync();
            logFolder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Two_connects_of_one_device_at_once_under_Reject_give_one_session_and_one_409()
    {
        const string Racer = "aa:bb:cc:00:00:02";
        var aiPort = FreePort.Pick();
        var logFolder = Directory.CreateTempSubdirectory("xiaozhi-connect-race-");
        var logFile = Path.Combine(logFolder.FullName, "im.log");
        WebApplication? ai = null;
        try
        {
            // The AI service comes up only after both connects arrived: they wait for their stream together, so each
            // got past the device claim before either could register a session (without an exclusive claim both would
            // be upgraded, and the later registration closed 1008 with nothing logged or counted).
            await using var host = await ImHost.StartAsync(
                new Uri($"http://127.0.0.1:{aiPort}"),
                [
                    "--" + FileLoggerProvider.PathKey, logFile,
                    "--Logging:LogLevel:Xiaozhi.Im.Service.Devices", "Information",
                    "--Sessions:DuplicateDevicePolicy", "Reject",
                    "--Ai:ConnectTimeout", "00:00:20",
                    "--Ai:ReconnectMaxBackoff", "00:00:00.2",
                ]);
            using var rejected = new MetricCollector<long>(host.App.Services.GetRequiredService<IMeterFactory>(), ImTelemetry.Name, "xiaozhi.im.upgrades.rejected");
            (string, string)[] racer = [("Device-Id", Racer), ("Authorization", "Bearer " + TestTokens.For(ImHost.Secret, Racer))];
            Task<(HttpStatusCode Status, string Body)>[] connects = [host.UpgradeRequestAsync("/", racer), host.UpgradeRequestAsync("/", racer)];
            var bystanderConnect = DeviceClient.ConnectAsync(host, new DeviceConnectOptions { DeviceId = Bystander });
            await Task.WhenAny(Task.WhenAny(connects), Task.Delay(TimeSpan.FromSeconds(3)));
            (ai, _, _) = await FakeAiService.StartAsync(port: aiPort);

            var answers = await Task.WhenAll(connects);

            answers.Select(a => a.Status).Should().BeEquivalentTo([HttpStatusCode.SwitchingProtocols, HttpStatusCode.Conflict], "exactly one of the two gets a session");
            answers.Single(a => a.Status == HttpStatusCode.Conflict).Body.Should().Be("another connection of this device is being set up");
            rejected.GetMeasurementSnapshot().Where(m => m.Value > 0).Should().ContainSingle()
                .Which.Tags.Should().Contain("status", 409).And.Contain("reason", "duplicate_connecting");
            await Eventually.Async(() => LogLines(logFile).Should().ContainSingle(line =>
                line.Contains("DeviceWebSocketEndpoint[2001]", StringComparison.Ordinal) && line.Contains("another connection of the device is being set up", StringComparison.Ordinal)));
            await using var bystander = await bystanderConnect;
            await bystander.SendTextAsync(Listen);
            (await bystander.ReceiveTextAsync()).Should().Be(Listen, "the race leaves the node's other sessions alone");
        }
        finally
        {
            if (ai is not null)
            {
                await ai.StopAsync();
                await ai.DisposeAsync();
            }

            logFolder.Delete(recursive: true);
        }
    }

    private static RefusalCase Case(
        string label,
        Func<ImHost, Task<(HttpStatusCode, string)>> send,
        int status,
        string reason,
        int eventId,
        Action<ImHost>? arrange = null,
        string[]? args = null,
        bool noAi = false) =>
        new(label, send, status, reason, eventId, arrange ?? (_ => { }), args ?? [], noAi);

    private static Func<ImHost, Task<(HttpStatusCode, string)>> Send(string path, params (string, string)[] headers) =>
        host => host.UpgradeRequestAsync(path, headers);

    private static Func<ImHost, Task<(HttpStatusCode, string)>> PlainGet(string path) => async host =>
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(host.HttpUrl, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    };

    private static List<string> LogLines(string path)
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>One refusal: how to provoke it, and what the device, the log and the metric must show.</summary>
    public sealed record RefusalCase(
        string Label,
        Func<ImHost, Task<(HttpStatusCode, string)>> Send,
        int Status,
        string Reason,
        int EventId,
        Action<ImHost> Arrange,
        string[] Args,
        bool NoAi)
    {
        public override string ToString() => $"{Status} {Label}: {Reason}";
    }
}
