using Microsoft.Extensions.Hosting;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>When the host stops, closes every live session with 1001 "server shutting down" before the server stops.</summary>
public sealed class SessionShutdownService(SessionRegistry registry) : IHostedLifecycleService
{
    /// <inheritdoc />
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var sessions = registry.Snapshot();
        await Task.WhenAll(sessions.Select(s => s.CloseAsync(DeviceCloseReasons.Shutdown))).WaitAsync(cancellationToken).ConfigureAwait(false);
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
}
