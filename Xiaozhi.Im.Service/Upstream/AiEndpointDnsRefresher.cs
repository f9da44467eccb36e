using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// Looks up every <c>dns:///</c> entry of <c>Ai:Endpoints</c> at start and then every
/// <see cref="AiOptions.DnsRefreshInterval"/>, or sooner when a connection failed
/// (<see cref="AiEndpointSet.RequestRefresh"/>), but never twice within <see cref="AiOptions.DnsMinRefreshInterval"/>.
/// A good answer becomes the entry's endpoints (<see cref="AiEndpointSet.Apply"/>); a failed or empty one keeps the last
/// good set. A change of an entry's state (failing / answering) is logged once, not per attempt.
/// </summary>
internal sealed partial class AiEndpointDnsRefresher : BackgroundService
{
    /// <summary>One lookup's bound: the system resolver's own retries can take longer than an operator expects.</summary>
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(10);

    private readonly AiEndpointSet _set;
    private readonly IAiEndpointResolver _resolver;
    private readonly AiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AiEndpointDnsRefresher> _logger;
    private readonly HashSet<AiEndpointTarget> _failing = new(ReferenceEqualityComparer.Instance);
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the refresher of <paramref name="pool"/>'s DNS entries.</summary>
    public AiEndpointDnsRefresher(AiEndpointPool pool, IAiEndpointResolver resolver, IOptions<AiOptions> options, TimeProvider time, ILogger<AiEndpointDnsRefresher> logger)
    {
        _set = pool.EndpointSet;
        _resolver = resolver;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Starts the refresher and waits for its first round of lookups, at most <see cref="AiOptions.ConnectTimeout"/>:
    /// devices arriving at start find the endpoints, and a resolver that does not answer does not hold the start up.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_set.DnsTargets.Count > 0)
        {
            await _firstRound.Task.WaitAsync(_options.ConnectTimeout, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Looks up every DNS entry once (one after the other: the failing-state set is not shared) and applies the answers.</summary>
    public async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        foreach (var target in _set.DnsTargets)
        {
            await RefreshAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_set.DnsTargets.Count == 0)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var requested = _set.NextRefreshRequest();
                var started = _time.GetTimestamp();
                await RefreshAllAsync(stoppingToken).ConfigureAwait(false);
                _firstRound.TrySetResult();
                foreach (var disposed in _set.DisposeIdleRetired(2 * _options.ConnectTimeout))
                {
                    LogRetiredDisposed(_logger, disposed);
                }

                await WaitForNextRoundAsync(requested, started, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WaitForNextRoundAsync(Task requested, long started, CancellationToken stoppingToken)
    {
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var regular = Task.Delay(_options.DnsRefreshInterval, _time, stopWaiting.Token);
        await Task.WhenAny(regular, requested).ConfigureAwait(false);
        await stopWaiting.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
        if (regular.IsCompletedSuccessfully)
        {
            return;
        }

        // Early, but rate-limited: a backend that refuses connections makes every session ask.
        var left = _options.DnsMinRefreshInterval - _time.GetElapsedTime(started);
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RefreshAsync(AiEndpointTarget target, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(target.DnsHost!, cancellationToken).WaitAsync(LookupTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Failed(target, ex is TimeoutException ? $"no answer within {LookupTimeout.TotalSeconds:0} s" : $"{ex.GetType().Name}: {ex.Message}");
            return;
        }

        if (addresses.Length == 0)
        {
            Failed(target, "no A or AAAA records");
            return;
        }

        var (added, removed) = _set.Apply(target, addresses);
        var count = _set.EndpointsOf(target).Count;
        if (_failing.Remove(target))
        {
            LogLookupRecovered(_logger, target, count);
        }

        if (added.Count + removed.Count > 0)
        {
            LogEndpointsChanged(_logger, target, added.Count, removed.Count, count, string.Join(", ", _set.EndpointsOf(target).Select(e => e.Address)));
        }
    }

    private void Failed(AiEndpointTarget target, string reason)
    {
        if (_failing.Add(target))
        {
            LogLookupFailed(_logger, target, reason, _set.EndpointsOf(target).Count);
        }
    }

    [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "AI endpoints of {Target}: {Added} added, {Removed} retired; now {Count}: {Endpoints}")]
    private static partial void LogEndpointsChanged(ILogger logger, AiEndpointTarget target, int added, int removed, int count, string endpoints);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Warning, Message = "DNS lookup of {Target} failed ({Reason}); keeping its last good {Count} endpoint(s) and retrying (logged again when it answers)")]
    private static partial void LogLookupFailed(ILogger logger, AiEndpointTarget target, string reason, int count);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Information, Message = "DNS lookup of {Target} answers again: {Count} endpoint(s)")]
    private static partial void LogLookupRecovered(ILogger logger, AiEndpointTarget target, int count);

    [LoggerMessage(EventId = 3033, Level = LogLevel.Debug, Message = "Retired AI endpoint {Endpoint} has no stream left: its connections are closed")]
    private static partial void LogRetiredDisposed(ILogger logger, Uri endpoint);
}
