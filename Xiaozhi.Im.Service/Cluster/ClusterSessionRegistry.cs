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
    private readonly SessionRegistry _local;
    private readonly IClusterStore _store;
    private readonly ClusterOptions _options;
    private readonly ClusterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterSessionRegistry> _logger;
    private readonly DeviceLocks _locks = new();
    private readonly ConcurrentDictionary<IDeviceSession, OwnedSession> _owned = new(ReferenceEqualityComparer.Instance);

    private readonly EarlyKicks _earlyKicks;
    private readonly PendingReleases _pendingReleases = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);

    public ClusterSessionRegistry(SessionRegistry local, IClusterStore store, IOptions<ClusterOptions> options, ClusterMetrics metrics, TimeProvider time, ILogger<ClusterSessionRegistry> logger)
    {
        _local = local;
        _store = store;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _earlyKicks = new EarlyKicks(time);

        // Kicks from other nodes (and this one) arrive on the store's subscription to this node's control channel.
        store.KickReceived += OnKick;
    }

    public int Count => _local.Count;

    public bool IsConnected(string deviceId) => _local.IsConnected(deviceId);

    public IDeviceSession? Find(string deviceId) => _local.Find(deviceId);

    public IReadOnlyList<IDeviceSession> Snapshot() => _local.Snapshot();

    /// <summary>The claims this node holds for live sessions.</summary>
    public IReadOnlyCollection<OwnedSession> Owned => [.. _owned.Values];

    /// <summary>
    /// Before the upgrade: takes the device's lock and, under Reject, asks Redis whether the device is live on a node
    /// that listens (409 is still an HTTP answer). Nothing is written and nobody is kicked yet: that is
    /// <see cref="ConfirmAsync"/>, once this connection's AI stream is open.
    /// </summary>
    public async ValueTask<DeviceClaim> ClaimAsync(string deviceId, string sessionId, string clientId, DuplicateDevicePolicy policy, CancellationToken cancellationToken)
    {
        var hold = await _locks.AcquireAsync(deviceId, cancellationToken).ConfigureAwait(false);
        try
        {
            if (policy == DuplicateDevicePolicy.Reject && _local.IsConnected(deviceId))
            {
                hold.Dispose();
                _metrics.Claim(ClaimOutcome.Rejected);
                return DeviceClaim.Refused;
            }

            var owned = new OwnedSession(deviceId, sessionId, clientId, Guid.NewGuid().ToString("N"), _time.GetTimestamp());
            if (policy != DuplicateDevicePolicy.Reject)
            {
                return new ClusterDeviceClaim(this, owned, ExpectedOwner.Any, hold);
            }

            if (!_store.IsUp || await WithinClaimTimeoutAsync(_store.OwnerAsync(deviceId), cancellationToken).ConfigureAwait(false) is not { } check)
            {
                return new ClusterDeviceClaim(this, owned, ExpectedOwner.Unknown, hold);
            }

            // Our own key without a live session (a release Redis never saw) is not a reason to refuse the device.
            if (check.Owner is { } owner && check.Listening && !(owner.NodeId == _store.NodeId && !_local.IsConnected(deviceId)))
            {
                hold.Dispose();
                _metrics.Claim(ClaimOutcome.Rejected);
                LogRejected(_logger, owner.NodeId, owner.SessionId);
                return DeviceClaim.Refused;
            }

            return new ClusterDeviceClaim(this, owned, ExpectedOwner.Seen(check.Owner?.Claim ?? string.Empty), hold);
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The new connection is certain (its AI stream is open): write the device key, then kick the previous owner. False
    /// only under Reject when another connection claimed the device since <see cref="ClaimAsync"/> checked. Redis down
    /// or slow: true, and the claim is made by the next refresh.
    /// </summary>
    internal async ValueTask<bool> ConfirmAsync(OwnedSession owned, ExpectedOwner expected, CancellationToken cancellationToken)
    {
        owned.Asserted = true;
        if (!_store.IsUp || !expected.Known
            || await WithinClaimTimeoutAsync(_store.ClaimAsync(owned, expected.Claim, Presence(owned, online: true)), cancellationToken).ConfigureAwait(false) is not { } result)
        {
            _metrics.Claim(ClaimOutcome.Deferred);
            return true;
        }

        if (!result.Claimed)
        {
            owned.Asserted = false;
            _metrics.Claim(ClaimOutcome.Rejected);
            LogRejected(_logger, result.Previous?.NodeId ?? string.Empty, result.Previous?.SessionId ?? string.Empty);
            return false;
        }

        owned.Confirmed = true;
        owned.ConnectedAtUnixMs = result.ConnectedAtUnixMs;
        if (result.Previous is not { } previous || previous.Claim == owned.Claim)
        {
            _metrics.Claim(ClaimOutcome.Claimed);
            return true;
        }

        long receivers;
        try
        {
            receivers = await _store.KickAsync(owned.DeviceId, previous).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The key names us already: the owner's next refresh finds a newer connection and closes its session.
            receivers = 0;
        }

        _metrics.Claim(receivers == 0 ? ClaimOutcome.TakenOver : ClaimOutcome.Replaced);
        _metrics.Kick(KickDirection.Sent, receivers == 0 ? KickResult.OwnerGone : KickResult.Delivered);
        if (previous.NodeId != _store.NodeId)
        {
            LogTookFrom(_logger, previous.NodeId, previous.SessionId, receivers > 0);
        }

        return true;
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
                if (_earlyKicks.Take(owned.Claim))
                {
                    _metrics.Kick(KickDirection.Received, KickResult.Closed);
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
    private void OnKick(ClusterKick kick)
    {
        _earlyKicks.Remember(kick.Claim);
        if (_local.Find(kick.DeviceId) is { } session
            && _owned.TryGetValue(session, out var owned)
            && owned.Claim == kick.Claim
            && owned.SessionId == kick.SessionId)
        {
            _earlyKicks.Take(kick.Claim);
            _metrics.Kick(KickDirection.Received, KickResult.Closed);
            LogKicked(_logger, owned.SessionId);
            _ = session.CloseAsync(DeviceCloseReasons.Replaced);
        }
        else
        {
            _metrics.Kick(KickDirection.Received, KickResult.Stale);
        }
    }

    /// <summary>The claim ended (session over, or upgrade never happened): compare-and-delete, offline event.</summary>
    internal void GiveUp(OwnedSession owned)
    {
        if (!owned.Asserted)
        {
            // Never written nor admitted (refused, or its AI stream failed): there is nothing to release or announce.
            return;
        }

        if (!owned.Confirmed || !_store.IsUp)
        {
            // A claim Redis never confirmed may still land (the command was only slow): release again after the refresh.
            _pendingReleases.Add(owned);
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
            _pendingReleases.Add(owned);
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
            var pending = _pendingReleases.TakeAll();
            var owned = _owned.Values.ToArray();
            try
            {
                var results = await _store.RefreshAsync(owned).ConfigureAwait(false);
                for (var i = 0; i < owned.Length; i++)
                {
                    await ApplyRefreshAsync(owned[i], results[i]).ConfigureAwait(false);
                }

                foreach (var release in pending)
                {
                    release.Confirmed = true;
                    await ReleaseAsync(release).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _pendingReleases.Restore(pending);
            }

            _earlyKicks.ForgetExpired();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task ApplyRefreshAsync(OwnedSession owned, RefreshResult result)
    {
        switch (result.Outcome)
        {
            case RefreshOutcome.StillOurs:
                owned.Confirmed = true;
                owned.ConnectedAtUnixMs = result.ConnectedAtUnixMs;
                return;
            case RefreshOutcome.NewerOwns:
                _metrics.Repair(RepairKind.ClosedStale);
                LogStaleClosed(_logger, owned.SessionId);
                if (owned.Session is { } session)
                {
                    _ = session.CloseAsync(DeviceCloseReasons.Replaced);
                }

                return;
            default:
                var wasConfirmed = owned.Confirmed;
                owned.Confirmed = true;
                owned.ConnectedAtUnixMs = result.ConnectedAtUnixMs;
                _metrics.Repair(result.Outcome == RefreshOutcome.Recreated ? RepairKind.Reclaimed : RepairKind.TookOlder);
                if (result.Displaced is { } displaced)
                {
                    await _store.KickAsync(owned.DeviceId, displaced).ConfigureAwait(false);
                }

                if (owned.Session is { } live && !_owned.ContainsKey(live))
                {
                    // The session ended while the refresh ran: the key it just wrote must go again.
                    _ = ReleaseAsync(owned);
                    return;
                }

                if (!wasConfirmed || result.Outcome == RefreshOutcome.Recreated)
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

    /// <summary>An answer from Redis within <see cref="ClusterOptions.ClaimTimeout"/>, else null (and the store marked down).</summary>
    private async Task<T?> WithinClaimTimeoutAsync<T>(Task<T> command, CancellationToken cancellationToken)
        where T : struct
    {
        try
        {
            return await command.WaitAsync(_options.ClaimTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = command.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _store.MarkDown($"a claim took longer than Cluster:ClaimTimeout ({_options.ClaimTimeout.TotalMilliseconds} ms)");
            return null;
        }
        catch (RedisException)
        {
            return null;
        }
    }

    private string Presence(OwnedSession owned, bool online) =>
        new PresenceEvent(online, owned.DeviceId, owned.ClientId, owned.SessionId, _store.NodeId, _time.GetUtcNow().ToUnixTimeMilliseconds()).ToJson();
}
