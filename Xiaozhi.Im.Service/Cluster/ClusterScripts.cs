namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The Lua scripts: each read-compare-write on a device key is one script, so two nodes never interleave on it.
/// Device key fields: node_id, session_id, client_id, connected_at (unix ms), claim (unique per connection).
/// </summary>
internal static class ClusterScripts
{
    /// <summary>
    /// KEYS: device key, own device set. ARGV: node, session, client, connected_at, claim, ttl ms, mode (replace|reject),
    /// prefix, device id, online event. Returns {status, previous node, previous session, kick receivers}; status 0 =
    /// refused (reject and the owner's node listens on its control channel), 1 = claimed.
    /// </summary>
    public const string Claim = """
        local cur = redis.call('HMGET', KEYS[1], 'node_id', 'session_id', 'claim')
        local receivers = -1
        if cur[3] and cur[3] ~= ARGV[5] then
          local control = ARGV[8] .. 'node:' .. cur[1] .. ':control'
          if ARGV[7] == 'reject' then
            local subscribed = redis.call('PUBSUB', 'NUMSUB', control)
            if tonumber(subscribed[2]) > 0 then
              return {0, cur[1], cur[2], 0}
            end
          end
          redis.call('SREM', ARGV[8] .. 'node:' .. cur[1] .. ':devices', ARGV[9])
          receivers = redis.call('PUBLISH', control, cjson.encode({device_id = ARGV[9], session_id = cur[2], claim = cur[3]}))
        end
        redis.call('HSET', KEYS[1], 'node_id', ARGV[1], 'session_id', ARGV[2], 'client_id', ARGV[3], 'connected_at', ARGV[4], 'claim', ARGV[5])
        redis.call('PEXPIRE', KEYS[1], ARGV[6])
        redis.call('SADD', KEYS[2], ARGV[9])
        redis.call('PEXPIRE', KEYS[2], ARGV[6])
        if cur[3] ~= ARGV[5] then
          redis.call('PUBLISH', ARGV[8] .. 'presence', ARGV[10])
        end
        return {1, cur[1] or '', cur[2] or '', receivers}
        """;

    /// <summary>
    /// Compare-and-delete: the key goes only while it still names this claim (a late release never removes a newer
    /// owner); the offline event goes out either way (the session did end). KEYS: device key, own device set. ARGV:
    /// claim, device id, presence channel, offline event. Returns 1 when the key was deleted.
    /// </summary>
    public const string Release = """
        local deleted = 0
        if redis.call('HGET', KEYS[1], 'claim') == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('SREM', KEYS[2], ARGV[2])
          deleted = 1
        end
        redis.call('PUBLISH', ARGV[3], ARGV[4])
        return deleted
        """;

    /// <summary>
    /// Re-asserts this node's claims. KEYS: device keys…, own device set (last). ARGV: node, ttl ms, prefix, then per
    /// device: device id, session, client, connected_at, claim. Per device: 0 = still ours (TTL extended), 1 = key was
    /// gone (re-created), 2 = a newer connection owns it (close ours), 3 = an older one owned it (taken, owner kicked).
    /// </summary>
    public const string Refresh = """
        local n = #KEYS - 1
        local out = {}
        for i = 1, n do
          local b = 3 + (i - 1) * 5
          local dev, session, client, at, claim = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5]
          local cur = redis.call('HMGET', KEYS[i], 'node_id', 'session_id', 'claim', 'connected_at')
          local code = 0
          if cur[3] == claim then
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
          else
            if cur[3] then
              local theirs, mine = tonumber(cur[4]) or 0, tonumber(at)
              if theirs > mine or (theirs == mine and cur[3] > claim) then
                code = 2
              else
                code = 3
                redis.call('SREM', ARGV[3] .. 'node:' .. cur[1] .. ':devices', dev)
                redis.call('PUBLISH', ARGV[3] .. 'node:' .. cur[1] .. ':control', cjson.encode({device_id = dev, session_id = cur[2], claim = cur[3]}))
              end
            else
              code = 1
            end
            if code ~= 2 then
              redis.call('HSET', KEYS[i], 'node_id', ARGV[1], 'session_id', session, 'client_id', client, 'connected_at', at, 'claim', claim)
              redis.call('PEXPIRE', KEYS[i], ARGV[2])
              redis.call('SADD', KEYS[n + 1], dev)
            end
          end
          out[i] = code
        end
        if n > 0 then
          redis.call('PEXPIRE', KEYS[n + 1], ARGV[2])
        end
        return out
        """;

    /// <summary>
    /// Start-up after a crash: deletes the device keys that still name this node, except live claims. KEYS: own device
    /// set. ARGV: node, prefix, live claims…. Returns device, session, client of every deleted key (flat).
    /// </summary>
    public const string Cleanup = """
        local keep = {}
        for i = 3, #ARGV do keep[ARGV[i]] = true end
        local gone = {}
        for _, dev in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local key = ARGV[2] .. 'device:' .. dev
          local cur = redis.call('HMGET', key, 'node_id', 'claim', 'session_id', 'client_id')
          if cur[1] == ARGV[1] and not keep[cur[2]] then
            redis.call('DEL', key)
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

    /// <summary>KEYS: node key. ARGV: ttl ms, then field, value pairs.</summary>
    public const string Heartbeat = """
        redis.call('HSET', KEYS[1], unpack(ARGV, 2))
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;
}
