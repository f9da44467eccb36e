using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>
/// Sees every gRPC connection (Kestrel connection middleware). Implements Go's MaxConnectionAge + grace: after the age
/// a graceful GOAWAY (<see cref="IConnectionLifetimeNotificationFeature.RequestClose"/>), after the grace an abort, so
/// streams still open on the connection end.
/// </summary>
internal sealed partial class ConnectionTracker(TimeProvider time, IOptions<StubFaultOptions> options, ILogger<ConnectionTracker> logger)
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public ConnectionDelegate Middleware(ConnectionDelegate next) => context => TrackAsync(context, next);

    public void GoAwayAll()
    {
        foreach (var connection in _connections.Values)
        {
            GoAway(connection, "fault injection");
        }
    }

    /// <summary>Aborts every connection at once, no GOAWAY: what the IM sees when the AI service process dies.</summary>
    public void AbortAll()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Abort(new ConnectionAbortedException("Aborted by the stub (fault injection: a crashed backend)."));
        }
    }

    private async Task TrackAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        _connections[connection.ConnectionId] = connection;
        var age = options.Value.MaxConnectionAgeSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var grace = TimeSpan.FromSeconds(options.Value.MaxConnectionAgeGraceSeconds);
        ITimer? graceTimer = null;
        var gate = new object();
        var closed = false;
        using var ageTimer = age is { } due
            ? time.CreateTimer(
                _ =>
                {
                    GoAway(connection, "max connection age");
                    lock (gate)
                    {
                        if (!closed)
                        {
                            graceTimer = time.CreateTimer(_ => AbortAfterGrace(connection), null, grace, Timeout.InfiniteTimeSpan);
                        }
                    }
                },
                null,
                due,
                Timeout.InfiniteTimeSpan)
            : null;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            lock (gate)
            {
                closed = true;
                graceTimer?.Dispose();
            }

            _connections.TryRemove(connection.ConnectionId, out _);
        }
    }

    private void GoAway(ConnectionContext connection, string reason)
    {
        var lifetime = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        if (lifetime is null)
        {
            LogNoLifetimeFeature(logger, connection.ConnectionId);
            connection.Abort(new ConnectionAbortedException($"Closed by the stub ({reason})."));
            return;
        }

        LogGoAway(logger, connection.ConnectionId, reason);
        lifetime.RequestClose();
    }

    private void AbortAfterGrace(ConnectionContext connection)
    {
        LogAbortAfterGrace(logger, connection.ConnectionId);
        connection.Abort(new ConnectionAbortedException("Max connection age grace elapsed."));
    }
}
