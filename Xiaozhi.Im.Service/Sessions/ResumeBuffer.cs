namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The frames a resuming session keeps, in arrival order, bounded by a frame count, a byte count and the age of the
/// oldest frame. Not thread-safe: <see cref="SessionUpstream"/> guards it.
/// </summary>
internal sealed class ResumeBuffer
{
    private readonly Queue<BufferedUplinkFrame> _frames = new();
    private readonly int _maxFrames;
    private readonly long _maxBytes;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _timeProvider;
    private readonly NodeBufferBudget _budget;

    /// <summary>Creates an empty buffer with its limits; what it keeps is also reserved in the node's <paramref name="budget"/>.</summary>
    public ResumeBuffer(int maxFrames, long maxBytes, TimeSpan maxAge, TimeProvider timeProvider, NodeBufferBudget? budget = null)
    {
        _maxFrames = maxFrames;
        _maxBytes = maxBytes;
        _maxAge = maxAge;
        _timeProvider = timeProvider;
        _budget = budget ?? NodeBufferBudget.Unlimited;
    }

    /// <summary>Frames kept.</summary>
    public int Count => _frames.Count;

    /// <summary>Payload bytes kept.</summary>
    public long Bytes { get; private set; }

    /// <summary>Keeps <paramref name="frame"/>, or returns the limit it would break (the frame is then not kept).</summary>
    public ResumeDropReason? TryAdd(BufferedUplinkFrame frame)
    {
        if (CheckAge() is { } age)
        {
            return age;
        }

        if (_frames.Count + 1 > _maxFrames)
        {
            return ResumeDropReason.BufferFrames;
        }

        if (Bytes + frame.Bytes > _maxBytes)
        {
            return ResumeDropReason.BufferBytes;
        }

        if (!_budget.TryReserve(frame.Bytes))
        {
            return ResumeDropReason.NodeBudget;
        }

        _frames.Enqueue(frame);
        Bytes += frame.Bytes;
        return null;
    }

    /// <summary><see cref="ResumeDropReason.BufferAge"/> when the oldest frame is older than the limit.</summary>
    public ResumeDropReason? CheckAge() =>
        _frames.TryPeek(out var oldest) && _timeProvider.GetElapsedTime(oldest.ArrivedAt) > _maxAge ? ResumeDropReason.BufferAge : null;

    /// <summary>The oldest frame, left in place.</summary>
    public bool TryPeek(out BufferedUplinkFrame frame) => _frames.TryPeek(out frame);

    /// <summary>Removes the oldest frame (after it was written).</summary>
    public void RemoveOldest()
    {
        if (_frames.TryDequeue(out var frame))
        {
            Bytes -= frame.Bytes;
            _budget.Release(frame.Bytes);
        }
    }

    /// <summary>Drops everything; returns how many frames were dropped.</summary>
    public int Clear()
    {
        var count = _frames.Count;
        _frames.Clear();
        _budget.Release(Bytes);
        Bytes = 0;
        return count;
    }
}
