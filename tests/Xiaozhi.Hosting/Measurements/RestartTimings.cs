using System.Diagnostics;

namespace Xiaozhi.Hosting;

/// <summary>When each step of a restart happened, as <see cref="Stopwatch"/> timestamps (null: not reached within the limit).</summary>
public sealed record RestartTimings(
    long StopBegan,
    long Stopped,
    long StartBegan,
    long Listening,
    long? HalfResumed,
    long? P99Resumed,
    long? AllResumed,
    int Resumed,
    TimeSpan Waited)
{
    /// <summary>From the start of the stop to <paramref name="timestamp"/>.</summary>
    public TimeSpan SinceStop(long timestamp) => Stopwatch.GetElapsedTime(StopBegan, timestamp);

    /// <summary>From listening again to <paramref name="timestamp"/>.</summary>
    public TimeSpan SinceListening(long timestamp) => Stopwatch.GetElapsedTime(Listening, timestamp);
}
