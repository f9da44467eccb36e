using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// Diagnostics for a server child: samples what it allocates by type from the runtime's own allocation ticks (one
/// event per ~100 KB allocated, naming the type that crossed the mark), so a window's table shows which types the
/// bytes went to. On when the child's environment names a file in <see cref="EnvironmentVariable"/>
/// (<c>./build.sh bench --server-env XIAOZHI_BENCH_ALLOCATION_TYPES=/tmp/alloc.txt</c>); the file is rewritten at the
/// end of every measured window, so after a run it holds the last one.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    /// <summary>The environment variable naming the output file.</summary>
    public const string EnvironmentVariable = "XIAOZHI_BENCH_ALLOCATION_TYPES";

    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, (long Bytes, int Ticks)> _byType = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    [ThreadStatic]
    private static bool _inHandlerOnThisThread; // formatting a key rents from the pool, which raises another pool event

    private AllocationSampler()
    {
    }

    /// <summary>Starts a sampler when the environment asks for one.</summary>
    public static AllocationSampler? StartFromEnvironment() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)) ? null : new AllocationSampler();

    /// <summary>Forgets what was sampled (a new window).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _byType.Clear();
        }
    }

    /// <summary>Writes the window's table (top types by sampled bytes) to the file the environment names.</summary>
    public void WriteWindow(string title)
    {
        var path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        List<KeyValuePair<string, (long Bytes, int Ticks)>> rows;
        lock (_gate)
        {
            rows = [.. _byType.OrderByDescending(r => r.Value.Bytes)];
        }

        var total = rows.Sum(r => r.Value.Bytes);
        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"{title}: {total / 1024.0 / 1024.0:F1} MB sampled");
        foreach (var (type, (bytes, ticks)) in rows.Take(40))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{100.0 * bytes / Math.Max(1, total),6:F1} % {ticks,6} ticks  {type}");
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <inheritdoc />
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        ArgumentNullException.ThrowIfNull(eventSource);
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
        else if (eventSource.Name == "System.Buffers.ArrayPoolEventSource")
        {
            // BufferAllocated (the shared pool had none to give) and BufferDropped (returned to a full pool).
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    /// <inheritdoc />
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.PayloadNames is not { } names || eventData.Payload is not { } values)
        {
            return;
        }

        if (eventData.EventName is "BufferAllocated" or "BufferDropped")
        {
            if (_inHandlerOnThisThread)
            {
                return;
            }

            _inHandlerOnThisThread = true;
            try
            {
                var size = names.IndexOf("bufferSize") is var i and >= 0 ? values[i] : "?";
                var reason = names.IndexOf("reason") is var r and >= 0 ? values[r] : null;
                Count($"ArrayPool {eventData.EventName} {size} B{(reason is null ? "" : $" ({reason})")}", size is int n ? n : 0);
            }
            finally
            {
                _inHandlerOnThisThread = false;
            }
        }
        else if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true
                 && names.IndexOf("TypeName") is var typeIndex and >= 0 && values[typeIndex] is string type)
        {
            var amountIndex = names.IndexOf("AllocationAmount64");
            Count(type, amountIndex >= 0 && values[amountIndex] is ulong amount ? (long)amount : 100_000);
        }
    }

    private void Count(string key, long bytes)
    {
        lock (_gate)
        {
            var current = _byType.GetValueOrDefault(key);
            _byType[key] = (current.Bytes + bytes, current.Ticks + 1);
        }
    }
}
