using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The configured AI service endpoints, each a small pool of HTTP/2 connections (<see cref="AiConnection"/>). Opens a
/// session's ChatStream on an endpoint that is connectable (decided by channel connectivity, not by response headers:
/// the Go server may send none until its first message) within <see cref="AiOptions.ConnectTimeout"/>, on the
/// endpoint's least-loaded connection. Channels connect lazily, so the IM starts without the AI service.
/// </summary>
internal sealed partial class AiEndpointPool : IDisposable, IChatStreamSource
{
    private readonly AiEndpointSet _set;
    private readonly AiOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AiEndpointPool> _logger;
    private readonly IAiEndpointPolicy _policy;
    private readonly AiOutlierEjector _ejector;
    private TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the pool (no connections yet); <paramref name="policy"/> defaults to <see cref="LeastSessionsEndpointPolicy"/>.</summary>
    public AiEndpointPool(IOptions<AiOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory, IAiEndpointPolicy? policy = null)
    {
        _options = options.Value;
        _policy = policy ?? new LeastSessionsEndpointPolicy();
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<AiEndpointPool>();
        _ejector = new AiOutlierEjector(_options.Balancing, timeProvider, loggerFactory.CreateLogger<AiOutlierEjector>(), () => _set!.Current);
        _set = new AiEndpointSet(_options, timeProvider, loggerFactory, _ejector);
    }

    /// <summary>Raised after an endpoint was ejected for failing (see <see cref="AiEndpoint.Ejected"/>).</summary>
    public event EventHandler<AiEndpointEjectedEventArgs>? EndpointEjected
    {
        add => _ejector.EndpointEjected += value;
        remove => _ejector.EndpointEjected -= value;
    }

    /// <summary>
    /// The endpoints new sessions may use now, in configuration order (a <c>dns:///</c> entry contributes the addresses
    /// of its last good lookup, so the list changes while the IM runs: read it once per use).
    /// </summary>
    public IReadOnlyList<AiEndpoint> Endpoints => _set.Current;

    /// <summary>The dynamic endpoint set behind <see cref="Endpoints"/> (the DNS refresher feeds it).</summary>
    internal AiEndpointSet EndpointSet => _set;

    /// <summary>
    /// Completes the next time an endpoint that was not connected becomes connectable again (a connection attempt for a
    /// stream succeeded, or its health check answers SERVING after it did not). Sessions waiting to resume take it
    /// before an attempt and retry as soon as it completes instead of sleeping out their backoff: after a backend
    /// restart the first session that gets through wakes all the others.
    /// </summary>
    public Task EndpointRecovered => Volatile.Read(ref _recovered).Task;

    /// <summary>Completes <see cref="EndpointRecovered"/> (and arms the next one).</summary>
    public void SignalEndpointRecovered()
    {
        var recovered = Interlocked.Exchange(ref _recovered, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (recovered.TrySetResult())
        {
            LogEndpointRecovered(_logger);
        }
    }

    /// <summary>
    /// Opens the session's ChatStream with the session metadata headers, or returns null when no endpoint became
    /// connectable within <see cref="AiOptions.ConnectTimeout"/> (or <paramref name="connectTimeout"/> when shorter).
    /// Endpoints are tried in the order of the <see cref="IAiEndpointPolicy"/>.
    /// </summary>
    public async Task<AiChatStream?> OpenChatStreamAsync(SessionMetadata session, CancellationToken cancellationToken, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var timeout = connectTimeout is { } shorter && shorter < _options.ConnectTimeout ? shorter : _options.ConnectTimeout;
        var started = _timeProvider.GetTimestamp();
        var endpoint = await ConnectAnyAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (endpoint is null)
        {
            return null;
        }

        var connection = endpoint.ReserveConnection();
        // Within the same ConnectTimeout as the endpoint: a session never waits twice as long. A ready connection
        // answers at once, unless its greeting is still in flight (see AiConnection.WhenReadyAsync).
        var left = timeout - _timeProvider.GetElapsedTime(started);
        if (!await ConnectAsync(connection, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            connection.StreamClosed();
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }

        var headers = new Metadata
        {
            { SessionMetadataHeaders.DeviceId, session.DeviceId },
            { SessionMetadataHeaders.ClientId, session.ClientId },
            { SessionMetadataHeaders.SessionId, session.SessionId },
            { SessionMetadataHeaders.ProtocolVersion, ((int)session.ProtocolVersion).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        if (!string.IsNullOrEmpty(session.UserId))
        {
            headers.Add(SessionMetadataHeaders.UserId, session.UserId);
        }

        if (!string.IsNullOrEmpty(session.TransportType))
        {
            headers.Add(SessionMetadataHeaders.TransportType, session.TransportType);
        }

        // The session's span (also on a resumed stream): the AI service can join the IM's trace.
        var parent = System.Diagnostics.Activity.Current;
        if (parent is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C, Id: { } traceParent })
        {
            headers.Add(SessionMetadataHeaders.TraceParent, traceParent);
        }

        // The call's lifetime is the session's: it ends by completion or by AiChatStream.Dispose, not by a token.
        var generation = connection.GoAwayGeneration;
        try
        {
            // Opened outside the session's span: with a current activity, grpc-dotnet and HttpClient each start a client
            // activity of their own (GrpcOut, HttpRequestOut) that lives as long as the stream, about 1 KB per idle
            // device that no listener asked for (GrpcClientLoggerFactory covers grpc-dotnet's other reason to start
            // one). The trace context goes in the traceparent header above.
            System.Diagnostics.Activity.Current = null;
            AsyncDuplexStreamingCall<ChatRequest, ChatResponse> call;
            try
            {
                call = connection.Client.ChatStream(headers, deadline: null, cancellationToken: CancellationToken.None);
            }
            finally
            {
                System.Diagnostics.Activity.Current = parent;
            }

            LogStreamOpened(_logger, endpoint.Address, connection.Index);
            return new AiChatStream(call, connection, generation);
        }
        catch
        {
            connection.StreamClosed();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _ejector.Dispose();
        _set.Dispose();
    }

    private async Task<AiEndpoint?> ConnectAnyAsync(TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var ordered = _policy.Order(_set.Current);

        // Whatever the policy: an ejected endpoint takes no new session while another may.
        if (ordered.Any(e => e.IsEjected) && ordered.Any(e => !e.IsEjected))
        {
            ordered = [.. ordered.Where(e => !e.IsEjected)];
        }

        var ready = ordered.FirstOrDefault(e => e.Channel.State == ConnectivityState.Ready);
        if (ready is not null)
        {
            return ready;
        }

        // Cancelled once one endpoint connected: the others stop waiting (their shared connect attempts go on).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var attempts = ordered.ToDictionary(e => ConnectAsync(e.Connections[0], connectTimeout, linked.Token), e => e);
        try
        {
            while (attempts.Count > 0)
            {
                var finished = await Task.WhenAny(attempts.Keys).ConfigureAwait(false);
                var endpoint = attempts[finished];
                attempts.Remove(finished);
                if (await finished.ConfigureAwait(false))
                {
                    SignalEndpointRecovered();
                    return endpoint;
                }
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        LogNoEndpoint(_logger, ordered.Count, connectTimeout);
        return null;
    }

    /// <summary>
    /// Waits for the connection's shared connect attempt (an endpoint's first connection, or a further one of an
    /// endpoint whose first is ready); false (logged) when it did not connect in time.
    /// </summary>
    private async Task<bool> ConnectAsync(AiConnection connection, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        try
        {
            await connection.WhenReadyAsync(connectTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                connection.Endpoint.NoteFailure();
            }

            if (connection.Index == 0)
            {
                LogEndpointNotConnectable(_logger, connection.Endpoint.Address, connection.State);
            }
            else
            {
                LogConnectionNotConnectable(_logger, connection.Endpoint.Address, connection.Index, connection.State);
            }

            // A dns:/// name may point elsewhere by now: look it up sooner (rate-limited by the refresher).
            _set.RequestRefresh();
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or RpcException or ObjectDisposedException)
        {
            LogEndpointConnectFailed(_logger, connection.Endpoint.Address, ex.GetType().Name);
            connection.Endpoint.NoteFailure();
            _set.RequestRefresh();
            return false;
        }
    }
}
