using System.Collections.Concurrent;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// Claims whose release Redis has not (certainly) seen: it was down, the command failed, or the claim itself was
/// never confirmed and may still land. The refresh takes them all and releases them once Redis answers again.
/// </summary>
internal sealed class PendingReleases
{
    private readonly ConcurrentQueue<OwnedSession> _queue = new();

    public int Count => _queue.Count;

    public void Add(OwnedSession owned) => _queue.Enqueue(owned);

    /// <summary>Empties the queue; what comes in meanwhile waits for the next refresh.</summary>
    public List<OwnedSession> TakeAll()
    {
        var taken = new List<OwnedSession>();
        while (_queue.TryDequeue(out var owned))
        {
            taken.Add(owned);
        }

        return taken;
    }

    /// <summary>Puts back what a refresh took but could not release (Redis failed again).</summary>
    public void Restore(IEnumerable<OwnedSession> taken)
    {
        foreach (var owned in taken)
        {
            _queue.Enqueue(owned);
        }
    }
}
