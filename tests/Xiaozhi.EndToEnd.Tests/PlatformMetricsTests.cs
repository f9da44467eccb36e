using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Management;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// /metrics carries the runtime's, Kestrel's and HttpClient's built-in meters beside the gateway's own. Names are the
/// OpenTelemetry Prometheus exporter's (dotnet.gc.collections → dotnet_gc_collections_total, and so on).
/// </summary>
public sealed partial class PlatformMetricsTests
{
    [SetUp]
    public void InProcessOnly() => E2eTarget.RequireInProcess("reads the management port of the in-process IM");

    [Test]
    public async Task After_a_turn_the_runtime_kestrel_and_http_client_meters_are_scraped()
    {
        await using var gateway = await Gateway.StartAsync();
        await using (var device = await DeviceClient.ConnectAsync(gateway))
        {
            await device.HelloAsync();
            (await device.ChatAsync("one")).SttText.Should().Be("one");
        }

        // The suite runs several hosts in one process and the meters are process-wide: series are picked by this
        // gateway's device port and this stub's port.
        var devicePort = ("server_port", gateway.DeviceUrl.Port.ToString(CultureInfo.InvariantCulture));
        var stubPort = ("server_port", gateway.Stub.GetGrpcAddress().Port.ToString(CultureInfo.InvariantCulture));
        var management = gateway.Im.Services.GetRequiredService<ManagementServer>().Addresses.Should().NotBeEmpty().And.Subject.First();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = string.Empty;
        await Eventually.Async(() =>
        {
            metrics = http.GetStringAsync(new Uri(management, "/metrics")).Result;
            // The device's connection ended: Kestrel recorded its duration.
            Value(metrics, "kestrel_connection_duration_seconds_count", devicePort).Should().BeGreaterThanOrEqualTo(1);
        });

        Value(metrics, "dotnet_gc_collections_total").Should().BeGreaterThanOrEqualTo(0);
        Value(metrics, "dotnet_gc_pause_time_seconds_total").Should().BeGreaterThanOrEqualTo(0);
        Value(metrics, "dotnet_gc_last_collection_heap_size_bytes").Should().BeGreaterThanOrEqualTo(0);
        Value(metrics, "dotnet_thread_pool_queue_length_total").Should().BeGreaterThanOrEqualTo(0);
        Value(metrics, "dotnet_process_memory_working_set_bytes").Should().BeGreaterThan(0);
        Value(metrics, "kestrel_upgraded_connections", devicePort).Should().Be(0, "the WebSocket was upgraded and has ended");
        Value(metrics, "kestrel_active_connections", devicePort).Should().BeGreaterThanOrEqualTo(0);
        Value(metrics, "http_client_open_connections", stubPort, ("network_protocol_version", "2")).Should().BeGreaterThanOrEqualTo(0);
        Value(metrics, "http_client_request_duration_seconds_count", stubPort).Should().BeGreaterThanOrEqualTo(1, "health checks and the greeting are gRPC calls to the stub");
    }

    /// <summary>The value of the first sample of <paramref name="name"/> carrying all <paramref name="labels"/>.</summary>
    private static double Value(string metrics, string name, params (string Key, string Value)[] labels)
    {
        foreach (var line in metrics.Split('\n'))
        {
            var match = Sample().Match(line);
            if (match.Success && match.Groups["name"].Value == name
                && labels.All(l => match.Groups["labels"].Value.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new AssertionException($"no sample {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in:\n{string.Join('\n', metrics.Split('\n').Where(l => !l.StartsWith('#') && !l.StartsWith("xiaozhi", StringComparison.Ordinal)))}");
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
