using System.Collections.Concurrent;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// Kicks remembered for claims not (yet) registered on this node: a kick may overtake the upgrade it is meant for,
/// and the session must then close as soon as it registers. Forgotten after <see cref="Memory"/>.
/// </summary>
internal sealed class EarlyKicks(TimeProvider time)
{
    /// <summary>Far longer than an upgrade takes, short enough that kicks for upgrades that never came do not pile up.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, long> _until = new(StringComparer.Ordinal);

    public int Count => _until.Count;

    public void Remember(string claim) =>
        _until[claim] = time.GetTimestamp() + (long)(Memory.TotalSeconds * time.TimestampFrequency);

    /// <summary>True once for a remembered claim (the kick is then used up), false for any other.</summary>
    public bool Take(string claim) => _until.TryRemove(claim, out _);

    /// <summary>Drops the kicks older than <see cref="Memory"/>; run by the refresh.</summary>
    public void ForgetExpired()
    {
        var now = time.GetTimestamp();
        foreach (var (claim, until) in _until)
        {
            if (until < now)
            {
                _until.TryRemove(claim, out _);
            }
        }
    }
}
