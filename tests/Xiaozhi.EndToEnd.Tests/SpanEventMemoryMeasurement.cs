using System.Collections.Concurrent;
using System.Diagnostics;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// Not part of the suite (<see cref="ExplicitAttribute"/>): what 60 text frames <c>{"type":"&lt;1 MiB of A&gt;"}</c>
/// on a sampled session leave in the process while the session lives (RSS and managed heap after a full GC). Run with
/// <c>dotnet test tests/Xiaozhi.EndToEnd.Tests --filter "FullyQualifiedName~SpanEventMemoryMeasurement" --logger "console;verbosity=detailed"</c>.
/// </summary>
[Explicit("a measurement, not a test")]
[NonParallelizable]
public sealed class SpanEventMemoryMeasurement
{
    [Test]
    public async Task Sixty_one_MiB_types_on_a_sampled_session()
    {
        E2eTarget.RequireInProcess("measures the in-process IM");
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = SpanEventNameTests.ParentBasedListener(stopped);
        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            ImArgs = ["--WebSocket:MaxControlFrameBytes", "2097152", "--Admission:MessagesPerSecond", "100000", "--Admission:MessageBurst", "100000"],
            // The stub would keep each request (and its 1 MiB type) itself.
            StubArgs = ["--Stub:MaxRecordedRequestsPerSession", "1"],
        });
        var hugeType = "{\"type\":\"" + new string('A', 1024 * 1024) + "\"}";
        await using var device = await DeviceClient.ConnectAsync(gateway, SpanEventNameTests.SampledDevice("measure-" + Guid.NewGuid().ToString("N")));
        await device.HelloAsync();
        var (rssBefore, heapBefore) = Settle();

        for (var i = 0; i < 60; i++)
        {
            await device.SendTextAsync(hugeType);
        }

        await device.ChatAsync("after the 60 frames"); // answered: the IM has handled every frame before it
        var (rssAfter, heapAfter) = Settle();
        TestContext.Out.WriteLine($"60 x 1 MiB type frames, session alive: RSS {rssBefore / 1048576.0:F1} -> {rssAfter / 1048576.0:F1} MiB (delta {(rssAfter - rssBefore) / 1048576.0:F1} MiB); managed heap delta {(heapAfter - heapBefore) / 1048576.0:F1} MiB");
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
