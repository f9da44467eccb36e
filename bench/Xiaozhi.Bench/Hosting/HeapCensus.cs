using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// The managed objects a server child holds, by type: a snapshot of the process read with ClrMD and walked from its
/// roots, so only reachable objects count (garbage not yet collected does not). Taken with the devices still connected;
/// the child is paused while the snapshot is made (a second or two at 10,000 devices).
/// </summary>
public sealed class HeapCensus
{
    private HeapCensus(IReadOnlyDictionary<string, (long Count, long Bytes)> byType) => ByType = byType;

    /// <summary>Reachable objects by type name: how many and their bytes.</summary>
    public IReadOnlyDictionary<string, (long Count, long Bytes)> ByType { get; }

    /// <summary>Bytes of all reachable objects.</summary>
    public long TotalBytes => ByType.Values.Sum(v => v.Bytes);

    /// <summary>Takes the census of process <paramref name="pid"/> (same .NET install as this one).</summary>
    public static HeapCensus Take(int pid)
    {
        using var target = DataTarget.CreateSnapshotAndAttach(pid);
        // The snapshot does not tell ClrMD the runtime's version: the data access library of this install is the child's.
        var dac = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), OperatingSystem.IsWindows() ? "mscordaccore.dll" : "libmscordaccore.so");
        using var runtime = target.ClrVersions[0].CreateRuntime(dac, ignoreMismatch: true);
        var heap = runtime.Heap;
        var seen = new HashSet<ulong>();
        var pending = new Stack<ulong>();
        foreach (var root in heap.EnumerateRoots())
        {
            if (root.Object.Address != 0 && seen.Add(root.Object.Address))
            {
                pending.Push(root.Object.Address);
            }
        }

        var byType = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        while (pending.TryPop(out var address))
        {
            var obj = heap.GetObject(address);
            if (!obj.IsValid)
            {
                continue;
            }

            var name = obj.Type?.Name ?? "?";
            var (count, bytes) = byType.GetValueOrDefault(name);
            byType[name] = (count + 1, bytes + (long)obj.Size);
            foreach (var reference in obj.EnumerateReferences(carefully: true))
            {
                if (reference.Address != 0 && seen.Add(reference.Address))
                {
                    pending.Push(reference.Address);
                }
            }
        }

        return new HeapCensus(byType);
    }

    /// <summary>
    /// What <paramref name="im"/> holds beyond <paramref name="echo"/> per connected device, by part of the session
    /// (grouped by type name), largest first.
    /// </summary>
    public static IReadOnlyList<(string Part, double BytesPerDevice)> PerDevice(HeapCensus im, HeapCensus echo, int devices)
    {
        ArgumentNullException.ThrowIfNull(im);
        ArgumentNullException.ThrowIfNull(echo);
        return [.. Differences(im, echo)
            .GroupBy(d => PartOf(d.Type), d => d.Bytes)
            .Select(g => (g.Key, (double)g.Sum() / devices))
            .OrderByDescending(p => p.Item2)];
    }

    /// <summary>The types whose bytes grew the most from <paramref name="echo"/> to <paramref name="im"/>, per device.</summary>
    public static IReadOnlyList<(string Type, double BytesPerDevice, double CountPerDevice)> TopTypes(HeapCensus im, HeapCensus echo, int devices, int top)
    {
        ArgumentNullException.ThrowIfNull(im);
        ArgumentNullException.ThrowIfNull(echo);
        return [.. Differences(im, echo)
            .OrderByDescending(d => d.Bytes)
            .Take(top)
            .Select(d => (d.Type, (double)d.Bytes / devices, (double)d.Count / devices))];
    }

    private static IEnumerable<(string Type, long Count, long Bytes)> Differences(HeapCensus im, HeapCensus echo) =>
        im.ByType.Keys.Union(echo.ByType.Keys).Select(type =>
        {
            var (imCount, imBytes) = im.ByType.GetValueOrDefault(type);
            var (echoCount, echoBytes) = echo.ByType.GetValueOrDefault(type);
            return (type, imCount - echoCount, imBytes - echoBytes);
        });

    private static string PartOf(string type) => type switch
    {
        _ when type.Contains("Grpc", StringComparison.Ordinal) || type.Contains("System.Net.Http", StringComparison.Ordinal) => "the gRPC call and its HTTP/2 stream",
        _ when type.Contains("Xiaozhi", StringComparison.Ordinal) => "the IM's own objects and async state machines",
        _ when type.Contains("System.Diagnostics.Activity", StringComparison.Ordinal) || type.Contains("DiagNode", StringComparison.Ordinal) => "activities",
        _ when type.Contains("CancellationToken", StringComparison.Ordinal) || type.Contains("Timer", StringComparison.Ordinal) => "cancellation sources, registrations, timers",
        _ when type.Contains("Logging", StringComparison.Ordinal) => "log scopes",
        "System.String" => "strings",
        "System.Byte[]" or "System.SByte[]" => "byte arrays",
        _ => "execution contexts, tasks, dictionaries, other",
    };
}
