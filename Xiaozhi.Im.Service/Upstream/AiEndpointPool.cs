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
    private int _next = -1;

    /// <summary>Creates the pool (no connections yet).</summary>
    public AiEndpointPool(IOptions<AiOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
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
    /// connectable within <see cref="AiOptions.ConnectTimeout"/>.
    /// </summary>
    public async Task<UpstreamChatStream?> OpenChatStreamAsync(SessionMetadata session, CancellationToken cancellationToken)
    {
        var endpoint = await ConnectAnyAsync(cancellationToken).ConfigureAwait(false);
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

        // The call's lifetime is the session's: it ends by completion or by UpstreamChatStream.Dispose, not by a token.
        var call = endpoint.Client.ChatStream(headers, deadline: null, cancellationToken: CancellationToken.None);
        LogStreamOpened(_logger, endpoint.Address);
        return new UpstreamChatStream(call, endpoint.Address);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }
    }

    private async Task<AiEndpoint?> ConnectAnyAsync(CancellationToken cancellationToken)
    {
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_endpoints.Length);
        var ordered = Enumerable.Range(0, _endpoints.Length).Select(i => _endpoints[(start + i) % _endpoints.Length]).ToArray();
        var ready = ordered.FirstOrDefault(e => e.Channel.State == ConnectivityState.Ready);
        if (ready is not null)
        {
            return ready;
        }

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _timeProvider);
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
        LogNoEndpoint(_logger, _endpoints.Length, _options.ConnectTimeout);
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
