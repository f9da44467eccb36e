using System.Diagnostics;

namespace Xiaozhi.Hosting;

/// <summary>
/// The one measurement of a backend restart (the e2e explicit measurement and the benchmark's restart run): the
/// time from the stop to the backend listening again, and from then to half, 99 % and all of the sessions resumed.
/// What "stop", "start" and "resumed" mean is the caller's (<see cref="RestartSteps"/>).
/// </summary>
public static class RestartMeasurement
{
    public static async Task<RestartTimings> RunAsync(RestartSteps steps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var stopBegan = Stopwatch.GetTimestamp();
        await steps.Stop().ConfigureAwait(false);
        var stopped = Stopwatch.GetTimestamp();
        if (steps.Down > TimeSpan.Zero)
        {
            await Task.Delay(steps.Down, cancellationToken).ConfigureAwait(false);
        }

        var startBegan = Stopwatch.GetTimestamp();
        await steps.Start().ConfigureAwait(false);
        var listening = Stopwatch.GetTimestamp();
        long? half = null, p99 = null, all = null;
        var nextProbe = listening;
        var resumed = 0;
        while (Stopwatch.GetElapsedTime(listening) < steps.Limit)
        {
            resumed = steps.Resumed();
            var now = Stopwatch.GetTimestamp();
            if (half is null && resumed >= steps.Sessions / 2)
            {
                half = now;
            }

            if (p99 is null && resumed >= steps.Sessions * 99 / 100)
            {
                p99 = now;
            }

            if (steps.AllResumed())
            {
                all = now;
                break;
            }

            if (steps.Probe is not null && now >= nextProbe)
            {
                _ = steps.Probe();
                nextProbe = Stopwatch.GetTimestamp() + (long)(steps.ProbeEvery.TotalSeconds * Stopwatch.Frequency);
            }

            await Task.Delay(steps.Poll, cancellationToken).ConfigureAwait(false);
        }

        return new RestartTimings(stopBegan, stopped, startBegan, listening, half, p99, all, resumed, Stopwatch.GetElapsedTime(listening));
    }
}
