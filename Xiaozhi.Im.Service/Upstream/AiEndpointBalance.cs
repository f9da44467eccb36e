namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// What the balancer knows of one endpoint: the turns waiting for its first answer, a peak-EWMA of its time to first
/// answer, its failures in a row, its recent outcomes (answered turns with their times, failures; per second, for the
/// failure-rate and latency rules) and its ejection. Fed by the sessions' <see cref="Sessions.TurnTimer"/>s and the
/// pool; read by <see cref="PeakEwmaEndpointPolicy"/> and <see cref="AiOutlierEjector"/>. Thread-safe, no I/O.
/// </summary>
/// <remarks>
/// A failure feeds <paramref name="failurePenalty"/> into the latency estimate as if it were an answer that slow: a turn
/// answered with 999 ends fast, and an endpoint failing every third turn would otherwise look cheaper than its peers.
/// </remarks>
internal sealed class AiEndpointBalance(TimeProvider time, TimeSpan decayTime, TimeSpan failurePenalty = default)
{
    /// <summary>The longest outcome window kept (one slot per second): <c>Ai:Balancing:OutlierWindow</c> at most.</summary>
    public static readonly TimeSpan MaxOutcomeWindow = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly long _origin = time.GetTimestamp();
    private readonly OutcomeSlot[] _slots = new OutcomeSlot[(int)MaxOutcomeWindow.TotalSeconds];
    private int _turnsInProgress;
    private int _sessionsFailing;
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

    /// <summary>Sessions whose last turn here was answered with 999 (<see cref="Sessions.TurnTimer"/>).</summary>
    public int SessionsFailing => Volatile.Read(ref _sessionsFailing);

    /// <summary>A session's turn failed after a good one (or its first).</summary>
    public void SessionStartedFailing() => Interlocked.Increment(ref _sessionsFailing);

    /// <summary>A failing session had a good turn or left.</summary>
    public void SessionStoppedFailing() => Interlocked.Decrement(ref _sessionsFailing);

    /// <summary>A turn started waiting for its answer.</summary>
    public void TurnStarted() => Interlocked.Increment(ref _turnsInProgress);

    /// <summary>A turn got its answer, failed, or left with its stream.</summary>
    public void TurnEnded() => Interlocked.Decrement(ref _turnsInProgress);

    /// <summary>
    /// A turn's first answer came after <paramref name="elapsed"/>: a slower one than the estimate becomes it at once
    /// (peak), a faster one pulls it down by how long ago the last one was (EWMA over <c>Ai:Balancing:DecayTime</c>, of
    /// the logarithm: the ratio shrinks as the idle estimate's ratio to its peers does, see <see cref="EstimateMs"/>).
    /// </summary>
    public void Observe(TimeSpan elapsed)
    {
        var ms = Math.Max(0, elapsed.TotalMilliseconds);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            Sample(ms, now);
            ref var slot = ref SlotNow(now);
            slot.Answered++;
            slot.LatencyMs += ms;
        }
    }

    // Under _gate. Geometric, not arithmetic: after an idle spell the policy sees prior^(1-k) × estimate^k (k the weight
    // kept), and a first answer as fast as the peers now gives the same figure, so an endpoint back from a slow spell
    // keeps the turns the decay gave it. The arithmetic mean gave 1.5 s × e^-1.8 + 1 ms ≈ 250 ms after 18 s idle
    // against 1 ms peers, and it lost them again. Taken as at least 1 ms, as the policy does.
    private void Sample(double ms, long now)
    {
        if (!_sampled || ms > _latencyMs)
        {
            _latencyMs = ms;
        }
        else
        {
            var kept = Math.Exp(-time.GetElapsedTime(_lastSample, now) / decayTime);
            _latencyMs = Math.Exp((Math.Log(Math.Max(1, _latencyMs)) * kept) + (Math.Log(Math.Max(1, ms)) * (1 - kept)));
        }

        _lastSample = now;
        _sampled = true;
    }

    /// <summary>
    /// The outcomes of the last <paramref name="window"/> (whole seconds, rounded up): turns answered, failures, and the
    /// answered turns' mean time to first answer in milliseconds (0 without any).
    /// </summary>
    public (int Answered, int Failed, double MeanLatencyMs) Outcomes(TimeSpan window)
    {
        var (answered, failed, latencyMs, _) = Sum(window, 0);
        return (answered, failed, answered == 0 ? 0 : latencyMs / answered);
    }

    /// <summary>
    /// The outcomes of the last <paramref name="window"/>, reaching further back (whole seconds, at most
    /// <see cref="MaxOutcomeWindow"/>) while they are fewer than <paramref name="atLeast"/>: a busy endpoint is judged on
    /// its recent past, a quiet one on its last turns. Returns turns answered, failures and the span counted.
    /// </summary>
    public (int Answered, int Failed, TimeSpan Span) RecentOutcomes(TimeSpan window, int atLeast)
    {
        var (answered, failed, _, seconds) = Sum(window, atLeast);
        return (answered, failed, TimeSpan.FromSeconds(seconds));
    }

    private (int Answered, int Failed, double LatencyMs, int Seconds) Sum(TimeSpan window, int atLeast)
    {
        var seconds = (int)Math.Clamp((long)Math.Ceiling(window.TotalSeconds), 1, _slots.Length);
        lock (_gate)
        {
            var current = Second(time.GetTimestamp());
            int answered = 0, failed = 0, counted = 0;
            var latency = 0.0;
            for (; counted < _slots.Length && current - counted >= 1; counted++)
            {
                if (counted >= seconds && answered + failed >= atLeast)
                {
                    break;
                }

                var second = current - counted;
                var slot = _slots[second % _slots.Length];
                if (slot.Second == second)
                {
                    answered += slot.Answered;
                    failed += slot.Failed;
                    latency += slot.LatencyMs;
                }
            }

            return (answered, failed, latency, Math.Max(counted, seconds));
        }
    }

    /// <summary>
    /// The latency estimate now: without answers for a while it relaxes toward <paramref name="priorMs"/> (its peers'),
    /// so a slow endpoint that nobody tries any more gets sessions again and can show that it recovered. No answer
    /// yet: the prior itself.
    /// </summary>
    /// <remarks>
    /// The ratio to the prior relaxes, not the difference: a 1.5 s estimate against 1 ms peers (loopback) came within
    /// their cost only after ln(1500) ≈ 7 decay times when the difference relaxed; with the ratio it is about 1.5,
    /// whatever the scale. Both are taken as at least 1 ms, as the policy does. Only the view relaxes: the stored
    /// estimate is the endpoint's own, so a busy endpoint is not pulled toward its peers between its answers.
    /// </remarks>
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
            var floor = Math.Max(1, prior);
            return floor * Math.Pow(Math.Max(1, _latencyMs) / floor, kept);
        }
    }

    /// <summary>
    /// Counts a failure in the outcomes and as a latency sample of the failure penalty; in a row too unless
    /// <paramref name="inARow"/> is false (a session's repeated 999s). Returns the failures in a row.
    /// </summary>
    public int Failed(bool inARow = true)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            SlotNow(now).Failed++;
            if (failurePenalty > TimeSpan.Zero)
            {
                Sample(failurePenalty.TotalMilliseconds, now);
            }
        }

        return inARow ? Interlocked.Increment(ref _failuresInARow) : Volatile.Read(ref _failuresInARow);
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
