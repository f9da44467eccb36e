using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Graceful drain when the host stops, before the server stops: new upgrades are refused (503 "server draining"),
/// idle sessions are closed with 1001 at once, sessions in a turn right after it ends, all of them at the latest after
/// <see cref="LimitsOptions.DrainTimeout"/>. Each session then completes its upstream stream as it winds down.
/// </summary>
internal sealed partial class SessionShutdownService(
    ISessionRegistry registry,
    GatewayDrain drain,
    IOptions<LimitsOptions> limits,
    TimeProvider timeProvider,
    ILogger<SessionShutdownService> logger) : IHostedLifecycleService
{
    /// <inheritdoc />
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        drain.Begin();
        var sessions = registry.Snapshot();
        LogDraining(logger, sessions.Count, limits.Value.DrainTimeout);
        using var deadline = new CancellationTokenSource(limits.Value.DrainTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await Task.WhenAll(sessions.Select(s => s.DrainAsync(linked.Token))).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout came first: close whatever is left now.
            await Task.WhenAll(registry.Snapshot().Select(s => s.CloseAsync(DeviceCloseReasons.Shutdown))).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "Draining {Sessions} session(s): idle ones close now, turns in progress may finish within {DrainTimeout}")]
    private static partial void LogDraining(ILogger logger, int sessions, TimeSpan drainTimeout);
}
