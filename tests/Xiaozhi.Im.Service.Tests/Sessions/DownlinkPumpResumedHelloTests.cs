using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Tests.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

/// <summary>
/// The reply to a replayed hello is not forwarded; it is compared with the first. A new session id is what a Go
/// backend gives every stream (issue 19.4): counted at Debug, not a warning per session on every connection recycle.
/// </summary>
public class DownlinkPumpResumedHelloTests
{
    private const string First = """{"type":"hello","transport":"websocket","session_id":"grpc_1","audio_params":{"format":"opus","sample_rate":24000}}""";

    [TestCase("""{"type":"hello","transport":"websocket","session_id":"grpc_2","audio_params":{"format":"opus","sample_rate":24000}}""", false, 1, 4311)]
    [TestCase("""{"type":"hello","transport":"websocket","session_id":"grpc_1","audio_params":{"format":"opus","sample_rate":16000}}""", true, 0, 4310)]
    [TestCase("""{"type":"hello","transport":"websocket","session_id":"grpc_2","audio_params":{"format":"opus","sample_rate":16000}}""", true, 0, 4310)]
    [TestCase(First, false, 0, 4309)]
    public async Task A_resumed_hello_warns_only_when_the_audio_params_differ(string resumed, bool warns, int counted, int eventId)
    {
        var logger = new FakeLogger();
        using var device = new PumpToDevice(logger);
        using var sessionIdChanged = new MetricCollector<long>(device.Metrics.MeterFactory, ImTelemetry.Name, "xiaozhi.im.resume.session_id_changed");
        var endpoint = FakeChatCall.Endpoint();
        var first = FakeChatCall.On(endpoint);
        first.Responses.Enqueue(PumpToDevice.Text(First));
        await device.Pump.RunAsync(first.Stream, swallowHello: false, CancellationToken.None);
        (await ReceiveText(device.Pair.Device)).Should().Contain("grpc_1");

        var next = FakeChatCall.On(endpoint);
        next.Responses.Enqueue(PumpToDevice.Text(resumed));
        await device.Pump.RunAsync(next.Stream, swallowHello: true, CancellationToken.None);

        var records = logger.Collector.GetSnapshot();
        records.Any(r => r.Level >= LogLevel.Warning).Should().Be(warns, string.Join("; ", records.Select(r => $"{r.Level} {r.Id.Id} {r.Message}")));
        records.Should().Contain(r => r.Id.Id == eventId);
        sessionIdChanged.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(counted);
        endpoint.Dispose();
    }

    private static async Task<string> ReceiveText(WebSocket device)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await device.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
