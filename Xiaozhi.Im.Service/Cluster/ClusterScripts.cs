namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The Lua scripts: each read-compare-write on a device key is one script, so two nodes never interleave on it. Every
/// key a script touches is one of its KEYS (Redis Cluster routes by them, key-prefix proxies rewrite them); channel
/// names and the messages published come in ARGV. Times are Redis' own clock (<c>TIME</c>), so "newest connection
/// wins" never compares two nodes' clocks.
/// Device key fields: node_id, session_id, client_id, connected_at (unix ms, Redis clock), claim (unique per connection).
/// </summary>
internal static class ClusterScripts
{
    // Redis 5 and 6 need effects replication before a write that follows TIME; 7 always does it (the call is a no-op).
    private const string RedisNowMs = """
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;

    /// <summary>
    /// KEYS: device key, own device set. ARGV: node, session, client, claim, ttl ms, device id, presence channel, online
    /// event, expected owner claim (<see cref="ExpectedOwner.AnyClaim"/>: Replace; else the claim the Reject check saw,
    /// empty for none). Returns {status (<see cref="ClaimStatus"/>), previous node, previous session, previous claim,
    /// connected_at}. The caller kicks the previous owner.
    /// </summary>
    public const string Claim = RedisNowMs + $$"""

        local REFUSED, CLAIMED = 0, 1
        local cur = redis.call('HMGET', KEYS[1], 'node_id', 'session_id', 'claim')
        if ARGV[9] ~= '{{ExpectedOwner.AnyClaim}}' and (cur[3] or '') ~= ARGV[9] and cur[3] ~= ARGV[4] then
          return {REFUSED, cur[1] or '', cur[2] or '', cur[3] or '', 0}
        end
        redis.call('HSET', KEYS[1], 'node_id', ARGV[1], 'session_id', ARGV[2], 'client_id', ARGV[3], 'connected_at', now, 'claim', ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('SADD', KEYS[2], ARGV[6])
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        if cur[3] ~= ARGV[4] then
          redis.call('PUBLISH', ARGV[7], ARGV[8])
        end
        return {CLAIMED, cur[1] or '', cur[2] or '', cur[3] or '', now}
        """;

    /// <summary>
    /// Compare-and-delete: the key goes only while it still names this claim (a late release never removes a newer
    /// owner); the offline event goes out either way (the session did end). The device leaves this node's set unless
    /// another session of this node owns it. KEYS: device key, own device set. ARGV: claim, device id, presence
    /// channel, offline event, node. Returns 1 when the key was deleted.
    /// </summary>
    public const string Release = """
        local cur = redis.call('HMGET', KEYS[1], 'claim', 'node_id')
        local deleted = 0
        if cur[1] == ARGV[1] then
          redis.call('DEL', KEYS[1])
          deleted = 1
        end
        if deleted == 1 or cur[2] ~= ARGV[5] then
          redis.call('SREM', KEYS[2], ARGV[2])
        end
        redis.call('PUBLISH', ARGV[3], ARGV[4])
        return deleted
        """;

    /// <summary>
    /// Re-asserts this node's claims. KEYS: device keys…, own device set (last). ARGV: node, ttl ms, then per device:
    /// device id, session, client, connected_at (empty when Redis never stamped it), age ms (this node's monotonic
    /// clock), claim. Per device five values: outcome (<see cref="RefreshOutcome"/>), connected_at, and the previous
    /// owner's node, session, claim when an older connection was displaced (the caller kicks it).
    /// </summary>
    public const string Refresh = RedisNowMs + """

        local STILL_OURS, RECREATED, NEWER_OWNS, TOOK_OLDER = 0, 1, 2, 3
        local n = #KEYS - 1
        local out = {}
        for i = 1, n do
          local b = 2 + (i - 1) * 6
          local dev, session, client, at, age, claim = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], tonumber(ARGV[b + 4]), ARGV[b + 5], ARGV[b + 6]
          if not at then
            at = now - tonumber(age)
          end
          local cur = redis.call('HMGET', KEYS[i], 'node_id', 'session_id', 'claim', 'connected_at')
          local code = STILL_OURS
          if cur[3] == claim then
            at = tonumber(cur[4]) or at
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
          else
            if cur[3] then
              local theirs = tonumber(cur[4]) or 0
              if theirs > at or (theirs == at and cur[3] > claim) then
                code = NEWER_OWNS
              else
                code = TOOK_OLDER
              end
            else
              code = RECREATED
            end
            if code ~= NEWER_OWNS then
              redis.call('HSET', KEYS[i], 'node_id', ARGV[1], 'session_id', session, 'client_id', client, 'connected_at', at, 'claim', claim)
              redis.call('PEXPIRE', KEYS[i], ARGV[2])
              redis.call('SADD', KEYS[n + 1], dev)
            end
          end
          local o = (i - 1) * 5
          out[o + 1] = code
          out[o + 2] = at
          out[o + 3] = code == TOOK_OLDER and cur[1] or ''
          out[o + 4] = code == TOOK_OLDER and cur[2] or ''
          out[o + 5] = code == TOOK_OLDER and cur[3] or ''
        end
        if n > 0 then
          redis.call('PEXPIRE', KEYS[n + 1], ARGV[2])
        end
        return out
        """;

    /// <summary>
    /// Start-up after a crash: deletes the device keys that still name this node, except live claims. KEYS: own device
    /// set, then the device keys of its members (the caller read them). ARGV: node, then per device key its device id,
    /// then the live claims. Returns device, session, client of every deleted key (flat).
    /// </summary>
    public const string Cleanup = """
        local n = #KEYS - 1
        local keep = {}
        for i = 2 + n, #ARGV do keep[ARGV[i]] = true end
        local gone = {}
        for i = 1, n do
          local dev = ARGV[1 + i]
          local cur = redis.call('HMGET', KEYS[1 + i], 'node_id', 'claim', 'session_id', 'client_id')
          if cur[1] == ARGV[1] and not keep[cur[2]] then
            redis.call('DEL', KEYS[1 + i])
            table.insert(gone, dev)
            table.insert(gone, cur[3] or '')
            table.insert(gone, cur[4] or '')
          end
          if not (cur[1] == ARGV[1] and keep[cur[2]]) then
            redis.call('SREM', KEYS[1], dev)
          end
        end
        return gone
        """;

    /// <summary>
    /// KEYS: node key. ARGV: ttl ms, instance (unique per process), then field, value pairs. Stamps <c>beat_at</c> (Redis
    /// clock) and <c>instance</c>, which a starting node with the same id reads to tell a live twin from a crashed self.
    /// </summary>
    public const string Heartbeat = RedisNowMs + """

        redis.call('HSET', KEYS[1], 'beat_at', now, 'instance', ARGV[2], unpack(ARGV, 3))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;
}
