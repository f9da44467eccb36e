using System.Diagnostics;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>Waiting for <see cref="Stopwatch"/> timestamps: the scenarios schedule by intended send time, not by sleeps.</summary>
internal static class StopwatchTime
{
    /// <summary>Returns at <paramref name="ticks"/> (a Stopwatch timestamp), at once when it has passed.</summary>
    public static async Task DelayUntilAsync(long ticks, CancellationToken cancellationToken)
    {
        var remaining = ticks - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromTicks(remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Now plus <paramref name="seconds"/>, as a Stopwatch timestamp.</summary>
    public static long After(double seconds) => Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
}
