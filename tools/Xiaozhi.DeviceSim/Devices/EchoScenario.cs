using System.Diagnostics;
using Xiaozhi.DeviceSim.Framing;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>
/// The echo scenario (against the stub's <c>--Stub:Mode echo</c>): probe frames at a fixed rate, each matched to its
/// echo for the round trip from the actual and from the intended send time (coordinated omission).
/// </summary>
internal sealed class EchoScenario(SimulatedDevice device, DeviceSocket socket)
{
    private long _lastEchoSentTicks;
    private long _lastEchoReceivedTicks;

    /// <summary>Stopwatch ticks of the send time of the latest probe whose echo came back (0 = none yet).</summary>
    public long LastEchoSentTicks => Interlocked.Read(ref _lastEchoSentTicks);

    /// <summary>Stopwatch ticks when the latest probe echo arrived (0 = none yet).</summary>
    public long LastEchoReceivedTicks => Interlocked.Read(ref _lastEchoReceivedTicks);

    /// <summary>Sends probes at <paramref name="rate"/> per second until <paramref name="endTicks"/> or the socket is gone.</summary>
    public async Task RunAsync(double rate, long endTicks, CancellationToken cancellationToken)
    {
        var interval = (long)(Stopwatch.Frequency / Math.Max(rate, 0.001));
        // A random phase so that devices do not all send in the same millisecond.
        var start = Stopwatch.GetTimestamp() + (long)(Random.Shared.NextDouble() * interval);
        for (long k = 0; device.IsOpen; k++)
        {
            var intended = start + (k * interval);
            if (intended >= endTicks)
            {
                break;
            }

            await StopwatchTime.DelayUntilAsync(intended, cancellationToken).ConfigureAwait(false);
            if (!await socket.SendProbeAsync(device.Index, intended, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    /// <summary>Records the echo if <paramref name="payload"/> is one of this device's probes; false for any other audio.</summary>
    public bool TryRecordEcho(ReadOnlySpan<byte> payload, long now)
    {
        if (!ProbePayload.TryRead(payload, out var stamp) || stamp.DeviceIndex != device.Index)
        {
            return false;
        }

        var roundTrip = Histograms.TicksToMicroseconds(now - stamp.SentTicks);
        device.Stats.RecordEcho(roundTrip, Histograms.TicksToMicroseconds(now - stamp.IntendedTicks));
        EchoTimeline.Current?.Record(stamp.SentTicks, roundTrip);
        InterlockedMax(ref _lastEchoSentTicks, stamp.SentTicks);
        Interlocked.Exchange(ref _lastEchoReceivedTicks, now);
        return true;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
