namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// What the balancer knows of one endpoint: the turns waiting for its first answer, a peak-EWMA of its time to first
/// answer, its failures in a row, its recent outcomes (answered turns with their times, failures; per second, for the
/// failure-rate and latency rules) and its ejection. Fed by the sessions' <see cref="Sessions.TurnTimer"/>s and the
/// pool; read by <see cref="PeakEwmaEndpointPolicy"/> and <see cref="AiOutlierEjector"/>. Thread-safe, no I/O.
/// </summary>
internal sealed class AiEndpointBalance(TimeProvider time, TimeSpan decayTime)
{
    /// <summary>The longest outcome window kept (one slot per second): <c>Ai:Balancing:OutlierWindow</c> at most.</summary>
    public static readonly TimeSpan MaxOutcomeWindow = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly long _origin = time.GetTimestamp();
    private readonly OutcomeSlot[] _slots = new OutcomeSlot[(int)MaxOutcomeWindow.TotalSeconds];
    private int _turnsInProgress;
    private int _failuresInARow;
    private double _latencyMs;
    private long _lastSample;
    private bool _sampled;
    private int _ejected;
    private long _ejections;

    /// <summary>Turns of sessions on this endpoint waiting for their first answer.</summary>
    public int TurnsInProgress => Volatile.Read(ref _turnsInProgress);

    /// <summary>Failures since the last success (or health check that answered SERVING).</summary>
    public int FailuresInARow => Volatile.Read(ref _failuresInARow);

    /// <summary>True while the endpoint is ejected: no new sessions.</summary>
    public bool IsEjected => Volatile.Read(ref _ejected) != 0;

    /// <summary>Ejections since start.</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    /// <summary>The peak-EWMA of time to first answer in milliseconds, or null before the first answer.</summary>
    public double? LatencyMs
    {
        get
        {
            lock (_gate)
            {
                return _sampled ? _latencyMs : null;
            }
        }
    }

    /// <summary>A turn started waiting for its answer.</summary>
    public void TurnStarted() => Interlocked.Increment(ref _turnsInProgress);

    /// <summary>A turn got its answer, failed, or left with its stream.</summary>
    public void TurnEnded() => Interlocked.Decrement(ref _turnsInProgress);

    /// <summary>
    /// A turn's first answer came after <paramref name="elapsed"/>: a slower one than the estimate becomes it at once
    /// (peak), a faster one pulls it down by how long ago the last one was (EWMA over <c>Ai:Balancing:DecayTime</c>).
    /// </summary>
    public void Observe(TimeSpan elapsed)
    {
        var ms = Math.Max(0, elapsed.TotalMilliseconds);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_sampled || ms > _latencyMs)
            {
                _latencyMs = ms;
            }
            else
            {
                var kept = Math.Exp(-time.GetElapsedTime(_lastSample, now) / decayTime);
                _latencyMs = (_latencyMs * kept) + (ms * (1 - kept));
            }

            _lastSample = now;
            _sampled = true;
            ref var slot = ref SlotNow(now);
            slot.Answered++;
            slot.LatencyMs += ms;
        }
    }

    /// <summary>
    /// The outcomes of the last <paramref name="window"/> (whole seconds, rounded up): turns answered, failures, and the
    /// answered turns' mean time to first answer in milliseconds (0 without any).
    /// </summary>
    public (int Answered, int Failed, double MeanLatencyMs) Outcomes(TimeSpan window)
    {
        var seconds = Math.Clamp((long)Math.Ceiling(window.TotalSeconds), 1, _slots.Length);
        lock (_gate)
        {
            var current = Second(time.GetTimestamp());
            int answered = 0, failed = 0;
            var latency = 0.0;
            foreach (var slot in _slots)
            {
                if (slot.Second > current - seconds && slot.Second <= current)
                {
                    answered += slot.Answered;
                    failed += slot.Failed;
                    latency += slot.LatencyMs;
                }
            }

            return (answered, failed, answered == 0 ? 0 : latency / answered);
        }
    }

    /// <summary>
    /// The latency estimate now: without answers for a while it relaxes toward <paramref name="priorMs"/> (its peers'),
    /// so a slow endpoint that nobody tries any more gets sessions again and can show that it recovered. No answer
    /// yet: the prior itself.
    /// </summary>
    public double EstimateMs(double? priorMs)
    {
        lock (_gate)
        {
            if (!_sampled)
            {
                return priorMs ?? 0;
            }

            if (priorMs is not { } prior)
            {
                return _latencyMs;
            }

            var kept = Math.Exp(-time.GetElapsedTime(_lastSample) / decayTime);
            return prior + ((_latencyMs - prior) * kept);
        }
    }

    /// <summary>Counts a failure (in a row and in the outcomes); returns the failures in a row.</summary>
    public int Failed()
    {
        lock (_gate)
        {
            SlotNow(time.GetTimestamp()).Failed++;
        }

        return Interlocked.Increment(ref _failuresInARow);
    }

    /// <summary>A success or a SERVING health check: the failures in a row start again from 0.</summary>
    public void Succeeded() => Volatile.Write(ref _failuresInARow, 0);

    /// <summary>
    /// Marks the endpoint ejected (true) or back (false); returns whether that changed anything. Either way its outcomes
    /// start again: the ones that got it ejected must not eject it again the moment it is back.
    /// </summary>
    internal bool SetEjected(bool ejected)
    {
        var changed = Interlocked.Exchange(ref _ejected, ejected ? 1 : 0) != (ejected ? 1 : 0);
        if (changed)
        {
            lock (_gate)
            {
                Array.Clear(_slots);
            }
        }

        if (changed && ejected)
        {
            Interlocked.Increment(ref _ejections);
            Volatile.Write(ref _failuresInARow, 0);
        }

        return changed;
    }

    // Seconds since creation, from 1 so that a cleared slot (second 0) never counts.
    private long Second(long timestamp) => (long)time.GetElapsedTime(_origin, timestamp).TotalSeconds + 1;

    private ref OutcomeSlot SlotNow(long timestamp)
    {
        var second = Second(timestamp);
        ref var slot = ref _slots[second % _slots.Length];
        if (slot.Second != second)
        {
            slot = new OutcomeSlot { Second = second };
        }

        return ref slot;
    }

    private struct OutcomeSlot
    {
        public long Second;
        public int Answered;
        public int Failed;
        public double LatencyMs;
    }
}
