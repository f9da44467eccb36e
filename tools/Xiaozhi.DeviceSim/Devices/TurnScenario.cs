using System.Diagnostics;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>
/// The voice, chat and mix scenarios: turns one after another with a pause between. A voice turn is
/// <c>listen start</c>, 60 ms frames at real time, <c>listen stop</c>; a chat turn one <c>chat</c> message; both wait
/// for <c>tts stop</c>. The reply latency is measured from the turn's end, actual and intended.
/// </summary>
internal sealed class TurnScenario(SimulatedDevice device, DeviceSocket socket, TimeSpan turnTimeout, Action<string> error)
{
    private TaskCompletionSource _turnDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _turnEndIntended;
    private long _turnEndActual;
    private int _awaitingReply;

    public async Task RunAsync(Scenario scenario, ScenarioPlan plan, long endTicks, CancellationToken cancellationToken)
    {
        var frameInterval = Stopwatch.Frequency * 60 / 1000;
        // Spread the first turns over a pause so that devices do not start together.
        await StopwatchTime.DelayUntilAsync(StopwatchTime.After(Random.Shared.NextDouble() * plan.PauseBetweenTurns.TotalSeconds), cancellationToken).ConfigureAwait(false);
        while (device.IsOpen && Stopwatch.GetTimestamp() < endTicks)
        {
            var voice = scenario == Scenario.Voice || (scenario == Scenario.Mix && Random.Shared.Next(2) == 0);
            _turnDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long intendedEnd;
            if (voice)
            {
                if (!await socket.SendTextAsync("{\"type\":\"listen\",\"state\":\"start\",\"mode\":\"manual\"}", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var start = Stopwatch.GetTimestamp();
                for (var k = 0; k < plan.UtteranceFrames && device.IsOpen; k++)
                {
                    await StopwatchTime.DelayUntilAsync(start + (k * frameInterval), cancellationToken).ConfigureAwait(false);
                    if (!await socket.SendAudioAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                intendedEnd = start + (plan.UtteranceFrames * frameInterval);
                await StopwatchTime.DelayUntilAsync(intendedEnd, cancellationToken).ConfigureAwait(false);
                BeginAwaitingReply(intendedEnd);
                if (!await socket.SendTextAsync("{\"type\":\"listen\",\"state\":\"stop\"}", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            else
            {
                intendedEnd = Stopwatch.GetTimestamp();
                BeginAwaitingReply(intendedEnd);
                if (!await socket.SendTextAsync("{\"type\":\"chat\",\"text\":\"what is the weather like\"}", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            var finished = await Task.WhenAny(_turnDone.Task, Task.Delay(turnTimeout, cancellationToken)).ConfigureAwait(false);
            if (finished != _turnDone.Task)
            {
                Interlocked.Exchange(ref _awaitingReply, 0);
                error(voice ? "voice turn: timeout" : "chat turn: timeout");
            }

            await StopwatchTime.DelayUntilAsync(StopwatchTime.After(plan.PauseBetweenTurns.TotalSeconds), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first reply message (stt, llm, tts, audio or alert) after the turn's end: records the reply latency once.</summary>
    public void OnReply(long now)
    {
        if (Interlocked.Exchange(ref _awaitingReply, 0) == 1)
        {
            device.Stats.Record(LatencyMetric.TurnReply, Histograms.TicksToMicroseconds(now - Interlocked.Read(ref _turnEndActual)));
            device.Stats.Record(LatencyMetric.TurnReplyIntended, Histograms.TicksToMicroseconds(now - Interlocked.Read(ref _turnEndIntended)));
        }
    }

    /// <summary>The turn is over (tts stop, an alert, or the socket closed): the next one may start.</summary>
    public void OnTurnOver() => _turnDone.TrySetResult();

    private void BeginAwaitingReply(long intendedEnd)
    {
        Interlocked.Exchange(ref _turnEndIntended, intendedEnd);
        Interlocked.Exchange(ref _turnEndActual, Stopwatch.GetTimestamp());
        Interlocked.Exchange(ref _awaitingReply, 1);
    }
}
