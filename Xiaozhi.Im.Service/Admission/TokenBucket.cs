namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// A token bucket on <see cref="TimeProvider"/> time: <see cref="Capacity"/> tokens at most, refilled at
/// <see cref="RatePerSecond"/>. Thread-safe. Tests drive it with a fake clock.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;

    /// <summary>A full bucket.</summary>
    public TokenBucket(double ratePerSecond, int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        RatePerSecond = ratePerSecond;
        Capacity = capacity;
        _time = time;
        _tokens = capacity;
        _last = time.GetTimestamp();
    }

    /// <summary>Refill rate.</summary>
    public double RatePerSecond { get; }

    /// <summary>Largest burst.</summary>
    public int Capacity { get; }

    /// <summary>True when the bucket is full again (nothing taken recently): the bucket can be forgotten.</summary>
    public bool IsFull
    {
        get
        {
            lock (_gate)
            {
                Refill();
                return _tokens >= Capacity;
            }
        }
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            Refill();
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
        _last = now;
        _tokens = Math.Min(Capacity, _tokens + (elapsed * RatePerSecond));
    }
}
