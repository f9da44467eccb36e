using StackExchange.Redis;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// Finds the node of a device's session in the cluster's device key (its <c>session_id</c> is the one the device sent),
/// polling through a Redis outage for up to 20 s; null when the key never named that session (it was replaced first).
/// </summary>
internal sealed class SoakNodeLookup(SoakRedis redis, string prefix, TimeProvider time)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public async Task<string?> FindAsync(string deviceId, string sessionId)
    {
        var start = time.GetTimestamp();
        while (time.GetElapsedTime(start) < Limit)
        {
            try
            {
                var db = await redis.DatabaseAsync().ConfigureAwait(false);
                var fields = await db.HashGetAsync(prefix + "device:" + deviceId, ["node_id", "session_id"]).ConfigureAwait(false);
                if (fields[1] == sessionId && !fields[0].IsNullOrEmpty)
                {
                    return fields[0].ToString();
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Failing over: ask again.
            }

            await Task.Delay(Poll, time).ConfigureAwait(false);
        }

        return null;
    }
}
