using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The application-level heartbeat: every <see cref="AiOptions.HealthCheckInterval"/> each endpoint's
/// <c>HealthCheck</c> is called with a <see cref="AiOptions.HealthCheckTimeout"/> deadline and the endpoint's
/// <see cref="AiEndpoint.Health"/> updated (serving / not serving / unreachable); transitions are logged, and an
/// endpoint serving again wakes the sessions waiting to resume (<see cref="AiEndpointPool.EndpointRecovered"/>).
/// While an endpoint is unreachable (a failed check, or a connection reset without GOAWAY:
/// <see cref="AiConnection.OnConnectionLost"/>) the checks come every <see cref="RecoveryInterval"/> at most, so a
/// restarted backend takes sessions (and counts for <c>/readyz</c>) again within a second of answering SERVING.
/// </summary>
internal sealed partial class AiEndpointHealthMonitor : BackgroundService
{
    /// <summary>The longest wait between two checks while an endpoint is unreachable.</summary>
    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);

    private readonly AiEndpointPool _pool;
    private readonly AiOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AiEndpointHealthMonitor> _logger;

    /// <summary>Creates the monitor.</summary>
    public AiEndpointHealthMonitor(AiEndpointPool pool, IOptions<AiOptions> options, TimeProvider timeProvider, ILogger<AiEndpointHealthMonitor> logger)
    {
        _pool = pool;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Checks every endpoint once and records the verdicts.</summary>
    public Task ProbeAllAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_pool.Endpoints.Select(e => ProbeAsync(e, cancellationToken)));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var added = _pool.EndpointSet.NextEndpointAdded();
                await ProbeAllAsync(stoppingToken).ConfigureAwait(false);

                // A dns:/// address that just appeared is checked (and so connected) at once, not a whole interval later:
                // new sessions prefer connected endpoints.
                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(Task.Delay(NextInterval(), _timeProvider, stopWaiting.Token), added).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The wait before the next round: shorter while an endpoint is unreachable, to see it back soon.</summary>
    internal TimeSpan NextInterval() =>
        _pool.Endpoints.Any(e => e.Health == AiEndpointHealth.Unreachable) && RecoveryInterval < _options.HealthCheckInterval
            ? RecoveryInterval
            : _options.HealthCheckInterval;

    private async Task ProbeAsync(AiEndpoint endpoint, CancellationToken cancellationToken)
    {
        AiEndpointHealth verdict;
        using var deadline = new CancellationTokenSource(_options.HealthCheckTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            var response = await endpoint.Client.HealthCheckAsync(new HealthCheckRequest(), cancellationToken: linked.Token).ConfigureAwait(false);
            verdict = response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? AiEndpointHealth.Serving : AiEndpointHealth.NotServing;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException or IOException or InvalidOperationException)
        {
            verdict = AiEndpointHealth.Unreachable;
        }

        var previous = endpoint.SetHealth(verdict);

        // A draining service (NOT_SERVING) is left: its sessions move at their next quiet moment. Unreachable is not a
        // reason: the streams of a service that is gone fail and resume by themselves.
        _ = verdict switch
        {
            AiEndpointHealth.NotServing => endpoint.Leave(EndpointDepartureReason.NotServing),
            AiEndpointHealth.Serving => endpoint.Stay(EndpointDepartureReason.NotServing),
            _ => false,
        };
        if (previous != verdict)
        {
            if (verdict == AiEndpointHealth.Serving)
            {
                LogHealthy(_logger, endpoint.Address, previous);
                if (previous != AiEndpointHealth.Unknown)
                {
                    _pool.SignalEndpointRecovered();
                }
            }
            else
            {
                LogUnhealthy(_logger, endpoint.Address, previous, verdict);
                if (verdict == AiEndpointHealth.Unreachable)
                {
                    // The address may have left its dns:/// name: look it up sooner.
                    _pool.EndpointSet.RequestRefresh();
                }
            }
        }
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint} is serving (was {Previous})")]
    private static partial void LogHealthy(ILogger logger, Uri endpoint, AiEndpointHealth previous);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint} changed from {Previous} to {Health}; new sessions avoid it")]
    private static partial void LogUnhealthy(ILogger logger, Uri endpoint, AiEndpointHealth previous, AiEndpointHealth health);
}
