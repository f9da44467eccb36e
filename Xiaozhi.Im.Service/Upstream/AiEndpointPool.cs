using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// The configured AI service endpoints, one shared channel each. Opens a session's ChatStream on an endpoint that is
/// connectable (decided by channel connectivity, not by response headers: the Go server may send none until its first
/// message) within <see cref="AiOptions.ConnectTimeout"/>. Channels connect lazily, so the IM starts without the AI service.
/// </summary>
public sealed partial class AiEndpointPool : IDisposable
{
    private readonly AiEndpoint[] _endpoints;
    private readonly AiOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AiEndpointPool> _logger;
    private readonly IAiEndpointPolicy _policy;

    /// <summary>Creates the pool (no connections yet); <paramref name="policy"/> defaults to <see cref="LeastSessionsEndpointPolicy"/>.</summary>
    public AiEndpointPool(IOptions<AiOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory, IAiEndpointPolicy? policy = null)
    {
        _options = options.Value;
        _policy = policy ?? new LeastSessionsEndpointPolicy();
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<AiEndpointPool>();
        _endpoints = _options.EffectiveEndpoints
            .Select(e => new AiEndpoint(new Uri(e.Trim()), _options, loggerFactory))
            .ToArray();
    }

    /// <summary>The endpoints, in configuration order.</summary>
    public IReadOnlyList<AiEndpoint> Endpoints => _endpoints;

    /// <summary>
    /// Opens the session's ChatStream with the session metadata headers, or returns null when no endpoint became
    /// connectable within <see cref="AiOptions.ConnectTimeout"/> (or <paramref name="connectTimeout"/> when shorter).
    /// Endpoints are tried in the order of the <see cref="IAiEndpointPolicy"/>.
    /// </summary>
    public async Task<UpstreamChatStream?> OpenChatStreamAsync(SessionMetadata session, CancellationToken cancellationToken, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var timeout = connectTimeout is { } shorter && shorter < _options.ConnectTimeout ? shorter : _options.ConnectTimeout;
        var endpoint = await ConnectAnyAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (endpoint is null)
        {
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
        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C, Id: { } traceParent })
        {
            headers.Add(SessionMetadataHeaders.TraceParent, traceParent);
        }

        // The call's lifetime is the session's: it ends by completion or by UpstreamChatStream.Dispose, not by a token.
        var generation = endpoint.GoAwayGeneration;
        var call = endpoint.Client.ChatStream(headers, deadline: null, cancellationToken: CancellationToken.None);
        LogStreamOpened(_logger, endpoint.Address);
        return new UpstreamChatStream(call, endpoint, generation);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }
    }

    private async Task<AiEndpoint?> ConnectAnyAsync(TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var ordered = _policy.Order(_endpoints);
        var ready = ordered.FirstOrDefault(e => e.Channel.State == ConnectivityState.Ready);
        if (ready is not null)
        {
            return ready;
        }

        using var timeout = new CancellationTokenSource(connectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var attempts = ordered.ToDictionary(e => ConnectOneAsync(e, linked.Token), e => e);
        try
        {
            while (attempts.Count > 0)
            {
                var finished = await Task.WhenAny(attempts.Keys).ConfigureAwait(false);
                var endpoint = attempts[finished];
                attempts.Remove(finished);
                if (await finished.ConfigureAwait(false))
                {
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

    private async Task<bool> ConnectOneAsync(AiEndpoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            await endpoint.Channel.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            LogEndpointNotConnectable(_logger, endpoint.Address, endpoint.Channel.State);
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or RpcException)
        {
            LogEndpointConnectFailed(_logger, endpoint.Address, ex.GetType().Name);
            return false;
        }
    }
}
