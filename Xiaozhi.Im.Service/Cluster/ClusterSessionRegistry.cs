using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The cluster registry: the node's own <see cref="SessionRegistry"/> plus device ownership in Redis. A claim that
/// Redis does not answer within <see cref="ClusterOptions.ClaimTimeout"/> is admitted on local knowledge and made by
/// the next refresh (newest connect wins).
/// </summary>
internal sealed partial class ClusterSessionRegistry : ISessionRegistry
{
    private static readonly TimeSpan KickMemory = TimeSpan.FromMinutes(1);

    private readonly SessionRegistry _local;
    private readonly ClusterStore _store;
    private readonly ClusterOptions _options;
    private readonly ClusterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterSessionRegistry> _logger;
    private readonly DeviceLocks _locks = new();
    private readonly ConcurrentDictionary<IDeviceSession, OwnedSession> _owned = new(ReferenceEqualityComparer.Instance);

    // Kicks for claims not (yet) registered here: the kick may overtake the upgrade it is meant for.
    private readonly ConcurrentDictionary<string, long> _kicked = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<OwnedSession> _pendingReleases = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);

    public ClusterSessionRegistry(SessionRegistry local, ClusterStore store, IOptions<ClusterOptions> options, ClusterMetrics metrics, TimeProvider time, ILogger<ClusterSessionRegistry> logger)
    {
        _local = local;
        _store = store;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public int Count => _local.Count;

    public bool IsConnected(string deviceId) => _local.IsConnected(deviceId);

    public IDeviceSession? Find(string deviceId) => _local.Find(deviceId);

    public IReadOnlyList<IDeviceSession> Snapshot() => _local.Snapshot();

    /// <summary>The claims this node holds for live sessions.</summary>
    public IReadOnlyCollection<OwnedSession> Owned => [.. _owned.Values];

    public async ValueTask<DeviceClaim> ClaimAsync(string deviceId, string sessionId, string clientId, DuplicateDevicePolicy policy, CancellationToken cancellationToken)
    {
        var hold = await _locks.AcquireAsync(deviceId, cancellationToken).ConfigureAwait(false);
        OwnedSession? owned = null;
        try
        {
            if (policy == DuplicateDevicePolicy.Reject && _local.IsConnected(deviceId))
            {
                hold.Dispose();
                _metrics.Claim("rejected");
                return DeviceClaim.Refused;
            }

            owned = new OwnedSession(deviceId, sessionId, clientId, Guid.NewGuid().ToString("N"), _time.GetUtcNow().ToUnixTimeMilliseconds());
            if (!_store.IsUp)
            {
                _metrics.Claim("deferred");
                return new ClusterDeviceClaim(this, owned, hold);
            }

            var result = await ClaimInRedisAsync(owned, policy, cancellationToken).ConfigureAwait(false);
            if (result is { Claimed: false } refused && refused.PreviousNode == _store.NodeId && !_local.IsConnected(deviceId))
            {
                // Our own key without a live session (a release Redis never saw): not a reason to refuse the device.
                result = await ClaimInRedisAsync(owned, DuplicateDevicePolicy.Replace, cancellationToken).ConfigureAwait(false);
            }

            if (result is not { } claimed)
            {
                _metrics.Claim("deferred");
            }
            else if (!claimed.Claimed)
            {
                hold.Dispose();
                _metrics.Claim("rejected");
                LogRejected(_logger, claimed.PreviousNode, claimed.PreviousSession);
                return DeviceClaim.Refused;
            }
            else
            {
                owned.Confirmed = true;
                CountClaim(claimed);
            }

            return new ClusterDeviceClaim(this, owned, hold);
        }
        catch
        {
            hold.Dispose();
            if (owned is not null)
            {
                GiveUp(owned);
            }

            throw;
        }
    }

    public SessionRegistration Register(IDeviceSession session, DuplicateDevicePolicy policy, DeviceClaim claim)
    {
        if (claim is not ClusterDeviceClaim clusterClaim)
        {
            return _local.Register(session, policy);
        }

        var registration = default(SessionRegistration);
        try
        {
            registration = _local.Register(session, policy);
            if (registration.Accepted)
            {
                var owned = clusterClaim.Owned;
                owned.Session = session;
                _owned[session] = owned;
                if (_kicked.TryRemove(owned.Claim, out _))
                {
                    _metrics.Kick("received", "closed");
                    LogKicked(_logger, owned.SessionId);
                    _ = session.CloseAsync(DeviceCloseReasons.Replaced);
                }
            }

            return registration;
        }
        finally
        {
            if (registration.Accepted)
            {
                clusterClaim.Registered();
            }
            else
            {
                clusterClaim.ReleaseHold();
            }
        }
    }

    public bool Unregister(IDeviceSession session)
    {
        var removed = _local.Unregister(session);
        if (_owned.TryRemove(session, out var owned))
        {
            GiveUp(owned);
        }

        return removed;
    }

    /// <summary>A kick from another node (or this one): close the named session if it is still the claimed one.</summary>
    public void OnKick(ClusterKick kick)
    {
        _kicked[kick.Claim] = _time.GetTimestamp() + (long)(KickMemory.TotalSeconds * _time.TimestampFrequency);
        if (_local.Find(kick.DeviceId) is { } session
            && _owned.TryGetValue(session, out var owned)
            && owned.Claim == kick.Claim
            && owned.SessionId == kick.SessionId)
        {
            _kicked.TryRemove(kick.Claim, out _);
            _metrics.Kick("received", "closed");
            LogKicked(_logger, owned.SessionId);
            _ = session.CloseAsync(DeviceCloseReasons.Replaced);
        }
        else
        {
            _metrics.Kick("received", "stale");
        }
    }

    /// <summary>The claim ended (session over, or upgrade never happened): compare-and-delete, offline event.</summary>
    internal void GiveUp(OwnedSession owned)
    {
        if (!owned.Confirmed || !_store.IsUp)
        {
            // A claim Redis never confirmed may still land (the command was only slow): release again after the refresh.
            _pendingReleases.Enqueue(owned);
            if (!_store.IsUp)
            {
                return;
            }
        }

        _ = ReleaseAsync(owned);
    }

    private async Task ReleaseAsync(OwnedSession owned)
    {
        try
        {
            await _store.ReleaseAsync(owned, Presence(owned, online: false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _pendingReleases.Enqueue(owned);
        }
    }

    /// <summary>
    /// Re-asserts every claim of this node: extends the TTLs, re-creates lost keys, closes sessions a newer connection
    /// owns (a lost kick), takes keys an older connection holds (duplicates after an outage); then retries releases.
    /// </summary>
    public async Task RefreshAsync()
    {
        if (!await _refreshing.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var pending = new List<OwnedSession>();
            while (_pendingReleases.TryDequeue(out var release))
            {
                pending.Add(release);
            }

            var owned = _owned.Values.ToArray();
            try
            {
                var codes = await _store.RefreshAsync(owned).ConfigureAwait(false);
                for (var i = 0; i < owned.Length; i++)
                {
                    await ApplyRefreshAsync(owned[i], codes[i]).ConfigureAwait(false);
                }

                foreach (var release in pending)
                {
                    release.Confirmed = true;
                    await ReleaseAsync(release).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                foreach (var release in pending)
                {
                    _pendingReleases.Enqueue(release);
                }
            }

            var now = _time.GetTimestamp();
            foreach (var (claim, until) in _kicked)
            {
                if (until < now)
                {
                    _kicked.TryRemove(claim, out _);
                }
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task ApplyRefreshAsync(OwnedSession owned, int code)
    {
        switch (code)
        {
            case 0:
                owned.Confirmed = true;
                return;
            case 2:
                _metrics.Repair("closed_stale");
                LogStaleClosed(_logger, owned.SessionId);
                if (owned.Session is { } session)
                {
                    _ = session.CloseAsync(DeviceCloseReasons.Replaced);
                }

                return;
            default:
                var wasConfirmed = owned.Confirmed;
                owned.Confirmed = true;
                _metrics.Repair(code == 1 ? "reclaimed" : "took_older");
                if (owned.Session is { } live && !_owned.ContainsKey(live))
                {
                    // The session ended while the refresh ran: the key it just wrote must go again.
                    _ = ReleaseAsync(owned);
                    return;
                }

                if (!wasConfirmed || code == 1)
                {
                    await _store.PublishPresenceAsync(Presence(owned, online: true)).ConfigureAwait(false);
                }

                return;
        }
    }

    /// <summary>Start-up: clears the keys this node held before it (re)started, except the live ones.</summary>
    public async Task CleanupAsync()
    {
        var gone = await _store.CleanupAsync(_owned.Values.Select(o => o.Claim)).ConfigureAwait(false);
        foreach (var (deviceId, sessionId, clientId) in gone)
        {
            await _store.PublishPresenceAsync(new PresenceEvent(false, deviceId, clientId, sessionId, _store.NodeId, _time.GetUtcNow().ToUnixTimeMilliseconds()).ToJson()).ConfigureAwait(false);
        }

        if (gone.Count > 0)
        {
            LogCleared(_logger, gone.Count);
        }
    }

    private async Task<ClaimResult?> ClaimInRedisAsync(OwnedSession owned, DuplicateDevicePolicy policy, CancellationToken cancellationToken)
    {
        var claim = _store.ClaimAsync(owned, policy, Presence(owned, online: true));
        try
        {
            return await claim.WaitAsync(_options.ClaimTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = claim.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _store.MarkDown($"a claim took longer than Cluster:ClaimTimeout ({_options.ClaimTimeout.TotalMilliseconds} ms)");
            return null;
        }
        catch (RedisException)
        {
            return null;
        }
    }

    private void CountClaim(ClaimResult result)
    {
        if (result.KickReceivers < 0)
        {
            _metrics.Claim("claimed");
            return;
        }

        _metrics.Claim(result.KickReceivers == 0 ? "taken_over" : "replaced");
        _metrics.Kick("sent", result.KickReceivers == 0 ? "owner_gone" : "delivered");
        if (result.PreviousNode != _store.NodeId)
        {
            LogTookFrom(_logger, result.PreviousNode, result.PreviousSession, result.KickReceivers > 0);
        }
    }

    private string Presence(OwnedSession owned, bool online) =>
        new PresenceEvent(online, owned.DeviceId, owned.ClientId, owned.SessionId, _store.NodeId, _time.GetUtcNow().ToUnixTimeMilliseconds()).ToJson();

    [LoggerMessage(EventId = 8010, Level = LogLevel.Information, Message = "Device live on node {Node} (session {PreviousSessionId}): refused under policy Reject")]
    private static partial void LogRejected(ILogger logger, string node, string previousSessionId);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Information, Message = "Claimed the device from node {Node} (session {PreviousSessionId}); kick delivered: {Delivered}")]
    private static partial void LogTookFrom(ILogger logger, string node, string previousSessionId, bool delivered);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Information, Message = "Session {KickedSessionId} kicked: the device connected again elsewhere")]
    private static partial void LogKicked(ILogger logger, string kickedSessionId);

    [LoggerMessage(EventId = 8013, Level = LogLevel.Warning, Message = "Session {StaleSessionId} closed by the refresh: a newer connection of the device owns it (a kick was lost)")]
    private static partial void LogStaleClosed(ILogger logger, string staleSessionId);

    [LoggerMessage(EventId = 8014, Level = LogLevel.Information, Message = "Cleared {Count} device keys this node held before it restarted")]
    private static partial void LogCleared(ILogger logger, int count);
}
