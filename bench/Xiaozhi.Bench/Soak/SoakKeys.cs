using StackExchange.Redis;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// The cluster keys left after a run, read from the current primary: each device key, each node's key and its device
/// set (which lives as long as the device keys), with its remaining TTL and its age. The age is Redis's idle time
/// (<c>OBJECT IDLETIME</c>): time since the key was last written or read, never more than since its last write. Redis
/// counts it in whole seconds of a clock that ticks once a second, so up to a second is taken off (it would otherwise
/// make a key refreshed on time look a fraction of a second past its TTL).
/// </summary>
internal static class SoakKeys
{
    private static readonly TimeSpan IdleResolution = TimeSpan.FromSeconds(1);

    public static async Task<IReadOnlyList<LeftoverKey>> ReadAsync(SoakRedis redis, string prefix)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var primary = await redis.PrimaryAsync().ConfigureAwait(false);
        var db = await redis.DatabaseAsync().ConfigureAwait(false);
        var keys = new List<LeftoverKey>();
        await foreach (var key in primary.KeysAsync(pattern: prefix + "*").ConfigureAwait(false))
        {
            var name = key.ToString();
            var rest = name[prefix.Length..];
            KeyKind? kind = rest.StartsWith("device:", StringComparison.Ordinal) ? KeyKind.Device
                : rest.StartsWith("node:", StringComparison.Ordinal) && rest.EndsWith(":devices", StringComparison.Ordinal) ? KeyKind.Device
                : rest.StartsWith("node:", StringComparison.Ordinal) ? KeyKind.Node
                : null;
            if (kind is null)
            {
                continue;
            }

            var ttl = await db.KeyTimeToLiveAsync(key).ConfigureAwait(false);
            var idle = await db.KeyIdleTimeAsync(key).ConfigureAwait(false);
            if (idle is null)
            {
                continue; // expired between the scan and now
            }

            var age = idle.Value > IdleResolution ? idle.Value - IdleResolution : TimeSpan.Zero;
            keys.Add(new LeftoverKey(name, kind.Value, age, ttl));
        }

        return keys;
    }
}
