using System.Diagnostics;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// Not part of the suite (<see cref="ExplicitAttribute"/>): what 20 sessions that each send a 4 MiB <c>hello</c> leave in
/// the process, with the control-frame and kept-bytes limits at their defaults and with them lifted to what the gateway
/// did before they existed (every hello kept for a replay, whatever its size). RSS and managed heap after a full GC.
/// Run with <c>dotnet test tests/Xiaozhi.EndToEnd.Tests --filter "FullyQualifiedName~KeptHelloMemoryMeasurement"
/// --logger "console;verbosity=detailed"</c>.
/// </summary>
[Explicit("a measurement, not a test")]
[NonParallelizable]
public sealed class KeptHelloMemoryMeasurement
{
    private const int Devices = 20;

    [TestCase(false, TestName = "Twenty_4_MiB_hellos_with_the_default_limits")]
    [TestCase(true, TestName = "Twenty_4_MiB_hellos_with_the_limits_lifted_as_before")]
    public async Task Twenty_4_MiB_hellos(bool liftLimits)
    {
        E2eTarget.RequireInProcess("measures the in-process IM");
        string[] lifted = ["--WebSocket:MaxControlFrameBytes", "16777216", "--Limits:MaxKeptBytesPerSession", "1099511627776"];
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = liftLimits ? lifted : [],
            StubArgs = ["--Stub:MaxRecordedRequestsPerSession", "0"],
        });
        var hello = "{\"type\":\"hello\",\"version\":1,\"transport\":\"websocket\",\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60},\"pad\":\""
            + new string('A', 4 * 1024 * 1024) + "\"}";
        var (rssBefore, heapBefore) = Settle();
        var devices = new List<DeviceClient>();
        try
        {
            for (var i = 0; i < Devices; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.SendTextAsync(hello);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            var (rssAfter, heapAfter) = Settle();
            TestContext.Out.WriteLine(
                $"{Devices} x 4 MiB hello, limits {(liftLimits ? "lifted (as before)" : "default")}: RSS {rssBefore / 1048576.0:F1} -> {rssAfter / 1048576.0:F1} MiB " +
                $"(delta {(rssAfter - rssBefore) / 1048576.0:F1} MiB); managed heap delta {(heapAfter - heapBefore) / 1048576.0:F1} MiB");
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static (long Rss, long Heap) Settle()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: true));
    }
}
