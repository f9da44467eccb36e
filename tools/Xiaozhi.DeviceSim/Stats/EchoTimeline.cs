using System.Diagnostics;

namespace Xiaozhi.DeviceSim.Stats;

/// <summary>
/// A diagnostic view of one measured window over time: the echoed probes bucketed by their send time (fixed-width
/// buckets), each bucket with its count, largest round trip and how many exceeded a threshold. A percentile says how
/// long the tail is; this says when it happened — spread evenly, or a few stalls everyone waited through. Only the
/// benchmark harness switches it on (<see cref="Current"/>); devices record into it when it is set. Interlocked only,
/// fixed size: recording never allocates or blocks a receive loop.
/// </summary>
public sealed class EchoTimeline
{
    private readonly long _origin;
    private readonly long _bucketTicks;
    private readonly long _thresholdMicroseconds;
    private readonly long[] _counts;
    private readonly long[] _over;
    private readonly long[] _max;

    /// <summary>A timeline starting now, <paramref name="length"/> long in buckets of <paramref name="bucket"/>.</summary>
    public EchoTimeline(TimeSpan length, TimeSpan bucket, TimeSpan threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        _origin = Stopwatch.GetTimestamp();
        _bucketTicks = Math.Max(1, (long)(bucket.TotalSeconds * Stopwatch.Frequency));
        _thresholdMicroseconds = (long)(threshold.TotalMilliseconds * 1000);
        var buckets = (int)Math.Clamp(Math.Ceiling(length / bucket), 1, 1_000_000);
        _counts = new long[buckets];
        _over = new long[buckets];
        _max = new long[buckets];
        Bucket = bucket;
        Threshold = threshold;
    }

    /// <summary>The timeline devices record into, or null (the default: nothing is recorded).</summary>
    public static EchoTimeline? Current { get; set; }

    /// <summary>The bucket width.</summary>
    public TimeSpan Bucket { get; }

    /// <summary>The round trip above which an echo counts as slow.</summary>
    public TimeSpan Threshold { get; }

    /// <summary>The Stopwatch timestamp bucket 0 starts at.</summary>
    public long Origin => _origin;

    /// <summary>Records an echo of a probe sent at <paramref name="sentTicks"/> (Stopwatch) that took <paramref name="microseconds"/>.</summary>
    public void Record(long sentTicks, long microseconds)
    {
        if (sentTicks < _origin)
        {
            return; // sent before the window (integer division would put it in bucket 0)
        }

        var index = (sentTicks - _origin) / _bucketTicks;
        if (index >= _counts.Length)
        {
            return;
        }

        Interlocked.Increment(ref _counts[index]);
        if (microseconds > _thresholdMicroseconds)
        {
            Interlocked.Increment(ref _over[index]);
        }

        var current = Volatile.Read(ref _max[index]);
        while (microseconds > current)
        {
            var seen = Interlocked.CompareExchange(ref _max[index], microseconds, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }

    /// <summary>The buckets: index, echoes, echoes over the threshold, largest round trip in µs.</summary>
    public IEnumerable<(int Index, long Echoes, long Slow, long MaxMicroseconds)> Buckets()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            yield return (i, Volatile.Read(ref _counts[i]), Volatile.Read(ref _over[i]), Volatile.Read(ref _max[i]));
        }
    }
}
