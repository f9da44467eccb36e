namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The frames a resuming session holds, in arrival order. Its limits are the <see cref="Resume.ResumePolicy"/>'s (which
/// adds through <see cref="Resume.ResumePolicy.Hold"/>); what it holds is also reserved in the node's budget. Not
/// thread-safe: <see cref="SessionLink"/> guards it.
/// </summary>
internal sealed class ResumeBuffer
{
    private readonly Queue<BufferedUplinkFrame> _frames = new();
    private readonly NodeBufferBudget _budget;

    public ResumeBuffer(NodeBufferBudget? budget = null) => _budget = budget ?? NodeBufferBudget.Unlimited;

    public int Count => _frames.Count;

    /// <summary>Payload bytes held.</summary>
    public long Bytes { get; private set; }

    /// <summary>Holds <paramref name="frame"/>; false (not held) when the node's budget has no room for it.</summary>
    public bool TryAdd(BufferedUplinkFrame frame)
    {
        if (!_budget.TryReserve(frame.Bytes))
        {
            return false;
        }

        _frames.Enqueue(frame);
        Bytes += frame.Bytes;
        return true;
    }

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
