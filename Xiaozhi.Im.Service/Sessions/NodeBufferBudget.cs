namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The bytes all sessions of the node may keep together (<c>Limits:NodeBufferedBytes</c>): resume buffers and the
/// requests the ledgers keep for a replay. Each session's own limits bound one session; this bounds their sum, so many
/// sessions resuming at once (an AI service restart) cost a known amount of memory. Thread-safe, lock-free.
/// </summary>
internal sealed class NodeBufferBudget
{
    private long _reserved;

    /// <summary>A budget of <paramref name="capacity"/> bytes; 0 = a quarter of the memory available to the process.</summary>
    public NodeBufferBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity == 0 ? DefaultCapacity() : capacity;
    }

    /// <summary>A budget nothing can exhaust (tests and tools that build a session alone).</summary>
    public static NodeBufferBudget Unlimited { get; } = new(long.MaxValue);

    /// <summary>The bytes that may be reserved in total.</summary>
    public long Capacity { get; }

    /// <summary>The bytes reserved now.</summary>
    public long Reserved => Interlocked.Read(ref _reserved);

    /// <summary>Reserves <paramref name="bytes"/>; false (nothing reserved) when that would pass <see cref="Capacity"/>.</summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var current = Interlocked.Read(ref _reserved);
        while (true)
        {
            if (bytes > Capacity - current)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _reserved, current + bytes, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }

    /// <summary>Gives back <paramref name="bytes"/> reserved earlier.</summary>
    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _reserved, -bytes);
    }

    // GC's figure honours a container's memory limit (cgroups) and GCHeapHardLimit, unlike the machine's RAM.
    private static long DefaultCapacity()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return Math.Max(64L * 1024 * 1024, (available > 0 ? available : 4L * 1024 * 1024 * 1024) / 4);
    }
}
