using System.Diagnostics;
using System.Globalization;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Running;

/// <summary>A live progress line on a writer (stderr): connected / talking / frames per second / errors, once a second.</summary>
public sealed class ProgressLine : IAsyncDisposable
{
    private readonly RunCounters _counters;
    private readonly TextWriter _writer;
    private readonly int _target;
    private readonly bool _overwrite;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Starts printing; <paramref name="overwrite"/> redraws one line with <c>\r</c> (a terminal), otherwise prints every 5 s.</summary>
    public ProgressLine(RunCounters counters, TextWriter writer, int target, bool overwrite)
    {
        _counters = counters;
        _writer = writer;
        _target = target;
        _overwrite = overwrite;
        _loop = Task.Run(LoopAsync);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_overwrite)
        {
            await _writer.WriteLineAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var lastSent = _counters.FramesSent;
        var lastReceived = _counters.FramesReceived;
        var lastTick = started;
        var tick = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                tick++;
                var now = Stopwatch.GetTimestamp();
                var seconds = (double)(now - lastTick) / Stopwatch.Frequency;
                var sent = _counters.FramesSent;
                var received = _counters.FramesReceived;
                var line = string.Format(
                    CultureInfo.InvariantCulture,
                    "[{0,5:0}s] connected {1}/{2}  talking {3}  frames/s out {4:0} in {5:0}  errors {6}  disconnects {7}",
                    Stopwatch.GetElapsedTime(started).TotalSeconds,
                    _counters.Connected,
                    _target,
                    _counters.Talking,
                    (sent - lastSent) / seconds,
                    (received - lastReceived) / seconds,
                    _counters.Errors,
                    _counters.Disconnects);
                lastSent = sent;
                lastReceived = received;
                lastTick = now;
                if (_overwrite)
                {
                    await _writer.WriteAsync("\r" + line.PadRight(100)).ConfigureAwait(false);
                }
                else if (tick % 5 == 0)
                {
                    await _writer.WriteLineAsync(line).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
