using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// The node's life in the cluster: connects (never blocking start-up for long), clears what it owned before a crash,
/// beats <c>{prefix}node:{NodeId}</c>, refreshes its device keys, and re-claims at once when Redis comes back.
/// </summary>
internal sealed partial class ClusterNodeService(
    IClusterNodeStore store,
    ClusterSessionRegistry registry,
    SessionRegistry local,
    GatewayDrain drain,
    IServer server,
    IOptions<ClusterOptions> options,
    TimeProvider time,
    ILogger<ClusterNodeService> logger) : BackgroundService
{
    private readonly ClusterOptions _options = options.Value;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly string _startedAt = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private volatile bool _cleanupPending = true;
    private volatile bool _reclaimPending;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        store.Restored += () =>
        {
            _reclaimPending = true;
            Wake();
        };
        store.Reconnected += Wake;
        await store.ConnectAsync().ConfigureAwait(false);
        LogJoining(logger, store.NodeId, store.Keys.Prefix);
        await RefuseLiveTwinAsync(cancellationToken).ConfigureAwait(false);

        // Before the first device: clear what this node held before a crash (bounded: Redis may be away).
        try
        {
            await BeatAsync().WaitAsync(TimeSpan.FromSeconds(2), time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            store.MarkDown("no answer at start-up");
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextRefresh = time.GetUtcNow() + _options.RefreshInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var wait = Min(_options.HeartbeatInterval, nextRefresh - now);

            // The wait is on the node's TimeProvider (SemaphoreSlim's own timeout would be the machine's clock).
            using (var due = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time))
            using (var beat = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, due.Token))
            {
                try
                {
                    await _wake.WaitAsync(beat.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException)
                {
                }
            }

            await BeatAsync().ConfigureAwait(false);
            if (_reclaimPending || time.GetUtcNow() >= nextRefresh)
            {
                if (store.IsUp)
                {
                    _reclaimPending = false;
                    await registry.RefreshAsync().ConfigureAwait(false);
                }

                nextRefresh = time.GetUtcNow() + _options.RefreshInterval;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The drain closed the sessions; give their releases a moment, then leave the node registry.
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
            while (registry.Owned.Count > 0 && !bound.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, CancellationToken.None).ConfigureAwait(false);
            }

            if (store.IsUp)
            {
                await registry.RefreshAsync().WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None).ConfigureAwait(false);
                await store.DeleteNodeKeyAsync().WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException)
        {
            LogLeaveFailed(logger, e.Message);
        }

        await store.DisposeAsync().ConfigureAwait(false);
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            await store.HeartbeatAsync(_instance, [
                new("sessions", local.Count.ToString(CultureInfo.InvariantCulture)),
                new("state", drain.IsDraining ? "draining" : "serving"),
                new("device_url", DeviceUrl()),
                new("started_at", _startedAt),
            ]).ConfigureAwait(false);
            if (_cleanupPending)
            {
                await registry.CleanupAsync().ConfigureAwait(false);
                _cleanupPending = false;
            }
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Already logged once by the store's state change.
        }
    }

    /// <summary>
    /// Two nodes with one id would clear and overwrite each other's keys: refuse to start while a node key with this id
    /// is still beating. A key left by this node's own crash stops beating, so its restart waits at most one and a
    /// half heartbeats (and not at all after a clean stop, which deletes the key). Redis away: nothing to compare.
    /// </summary>
    private async Task RefuseLiveTwinAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await store.ReadBeatAsync().ConfigureAwait(false) is not { } seen)
            {
                return;
            }

            await Task.Delay(_options.HeartbeatInterval * 1.5, time, cancellationToken).ConfigureAwait(false);
            if (await store.ReadBeatAsync().ConfigureAwait(false) is { } now && now != seen)
            {
                throw new OptionsValidationException(ClusterOptions.SectionName, typeof(ClusterOptions),
                [
                    $"Cluster:NodeId '{store.NodeId}' is in use by a live node (its heartbeat in {store.Keys.Node(store.NodeId)} is younger than its TTL): give every node its own Cluster:NodeId",
                ]);
            }
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Already logged once by the store's state change; the node starts on its own knowledge.
        }
    }

    private string DeviceUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return address is null ? string.Empty : address.Replace("http://", "ws://", StringComparison.Ordinal).Replace("https://", "wss://", StringComparison.Ordinal);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 8020, Level = LogLevel.Information, Message = "Cluster on: node {NodeId}, key prefix {KeyPrefix}")]
    private static partial void LogJoining(ILogger logger, string nodeId, string keyPrefix);

    [LoggerMessage(EventId = 8021, Level = LogLevel.Warning, Message = "Could not leave the cluster cleanly: {Problem}; the node key expires on its own")]
    private static partial void LogLeaveFailed(ILogger logger, string problem);
}
