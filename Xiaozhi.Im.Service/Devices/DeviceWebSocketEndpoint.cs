using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Auth;
using Xiaozhi.Im.Service.Logging;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Devices;

/// <summary>
/// The only thing on the device port: path allow-list (404) → WebSocket only (426) → handshake (400) →
/// authentication (401) → one live session per device (409 with policy Reject) → the session's ChatStream (503 when no
/// AI endpoint is connectable) → upgrade → <see cref="Session"/>. Every refusal is a short plain-text reason, before any upgrade.
/// </summary>
internal sealed partial class DeviceWebSocketEndpoint
{
    private readonly WebSocketPathMatcher _paths;
    private readonly DeviceWebSocketOptions _webSocket;
    private readonly AuthOptions _auth;
    private readonly DeviceSessionOptions _sessions;
    private readonly LimitsOptions _limits;
    private readonly DeviceTokenValidator _tokens;
    private readonly ISessionRegistry _registry;
    private readonly AiEndpointPool _upstream;
    private readonly SessionFactory _sessionFactory;
    private readonly GatewayDrain _drain;
    private readonly ConnectionAdmission _admission;
    private readonly AdmissionOptions _admissionOptions;
    private readonly ImMetrics _metrics;
    private readonly TelemetryOptions _telemetry;
    private readonly TimeProvider _timeProvider;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<DeviceWebSocketEndpoint> _logger;

    public DeviceWebSocketEndpoint(
        IOptions<DeviceWebSocketOptions> webSocket,
        IOptions<AuthOptions> auth,
        IOptions<DeviceSessionOptions> sessions,
        IOptions<LimitsOptions> limits,
        DeviceTokenValidator tokens,
        ISessionRegistry registry,
        AiEndpointPool upstream,
        SessionFactory sessionFactory,
        GatewayDrain drain,
        ConnectionAdmission admission,
        IOptions<AdmissionOptions> admissionOptions,
        ImMetrics metrics,
        IOptions<TelemetryOptions> telemetry,
        TimeProvider timeProvider,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory)
    {
        _webSocket = webSocket.Value;
        _paths = new WebSocketPathMatcher(_webSocket.EffectivePaths);
        _auth = auth.Value;
        _sessions = sessions.Value;
        _limits = limits.Value;
        _tokens = tokens;
        _registry = registry;
        _upstream = upstream;
        _sessionFactory = sessionFactory;
        _drain = drain;
        _admission = admission;
        _admissionOptions = admissionOptions.Value;
        _metrics = metrics;
        _telemetry = telemetry.Value;
        _timeProvider = timeProvider;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger<DeviceWebSocketEndpoint>();
    }

    /// <summary>Handles one request on the device port.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        if (!_paths.IsAllowed(context.Request.Path.Value))
        {
            LogRefused(_logger, StatusCodes.Status404NotFound, "path not in WebSocket:Paths");
            await RefuseAsync(context, StatusCodes.Status404NotFound, "not found: devices connect with a WebSocket on one of the configured paths").ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, "WebSocket upgrade required").ConfigureAwait(false);
            return;
        }

        if (_drain.IsDraining)
        {
            await RefuseDrainingAsync(context).ConfigureAwait(false);
            return;
        }

        var remote = context.Connection.RemoteIpAddress;
        var admitted = _admission.Admit(remote, context.Request.Headers.Origin.ToString());
        if (!admitted.Admitted)
        {
            LogRefused(_logger, admitted.StatusCode, admitted.Category);
            await RefuseAsync(context, admitted.StatusCode, admitted.Reason, admitted.Category).ConfigureAwait(false);
            return;
        }

        try
        {
            await HandleAdmittedAsync(context).ConfigureAwait(false);
        }
        finally
        {
            _admission.Release(remote);
        }
    }

    /// <summary>After admission: identity, auth, the ChatStream, the upgrade, the session (the slot is held throughout).</summary>
    private async Task HandleAdmittedAsync(HttpContext context)
    {

        var handshake = DeviceHandshake.Parse(context.Request.Headers, _webSocket.AllowQueryIdentity ? context.Request.QueryString.Value : null);
        if (handshake.Identity is not { } identity)
        {
            LogRefused(_logger, StatusCodes.Status400BadRequest, LogText.Escape(handshake.Error));
            await RefuseAsync(context, StatusCodes.Status400BadRequest, handshake.Error!).ConfigureAwait(false);
            return;
        }

        var sessionId = identity.SessionId ?? SessionMetadata.NewSessionId();
        using var scope = _logger.BeginScope(new Dictionary<string, object?>
        {
            ["SessionId"] = sessionId,
            ["DeviceId"] = _telemetry.DeviceIdForLogs(identity.DeviceId),
        });

        string? userId = null;
        if (_auth.Enabled)
        {
            var auth = await _tokens.ValidateAsync(identity.Token, identity.DeviceId).ConfigureAwait(false);
            if (!auth.Succeeded)
            {
                // The reason may quote the token's own header (its alg): a device's text, escaped for the log.
                LogAuthFailed(_logger, LogText.Escape(auth.FailureReason), identity.Token is not null);
                await RefuseAsync(context, StatusCodes.Status401Unauthorized, auth.FailureReason!).ConfigureAwait(false);
                return;
            }

            userId = auth.UserId;
        }
        else if (identity.DeviceId is null)
        {
            LogRefused(_logger, StatusCodes.Status400BadRequest, "no Device-Id");
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Device-Id is required (header Device-Id or query device-id)").ConfigureAwait(false);
            return;
        }

        var deviceId = identity.DeviceId!;
        // Decided before the upgrade (409 must be an HTTP answer); with a cluster this asks Redis, within a short bound.
        using var claim = await _registry.ClaimAsync(deviceId, sessionId, identity.ClientId, _sessions.DuplicateDevicePolicy, context.RequestAborted).ConfigureAwait(false);
        if (!claim.Accepted)
        {
            LogRefused(_logger, StatusCodes.Status409Conflict, "device already connected");
            await RefuseAsync(context, StatusCodes.Status409Conflict, "this device already has a live connection").ConfigureAwait(false);
            return;
        }

        var metadata = new SessionMetadata(
            sessionId,
            deviceId,
            identity.ClientId,
            userId,
            identity.ProtocolVersion,
            identity.TransportType,
            FormatRemote(context.Connection));

        // A device's own traceparent must not decide whether its session is recorded (nor parent it): only a trusted
        // proxy's is believed, like X-Forwarded-For. From anyone else the session span is a root for our own sampler.
        if (!context.RequestServices.GetRequiredService<Forwarding.TrustedProxies>().IsTrusted(Forwarding.TrustedProxies.PeerOf(context)))
        {
            System.Diagnostics.Activity.Current = null;
        }

        // One span per session (W3C trace context goes to the AI service in the ChatStream metadata).
        using var sessionSpan = ImTelemetry.Source.StartActivity("xiaozhi.session", System.Diagnostics.ActivityKind.Server);
        sessionSpan?.SetTag("xiaozhi.session_id", sessionId)
            .SetTag("xiaozhi.protocol_version", (int)identity.ProtocolVersion)
            .SetTag("xiaozhi.transport_type", identity.TransportType);
        var upstream = await _upstream.OpenChatStreamAsync(metadata, context.RequestAborted).ConfigureAwait(false);
        if (upstream is null)
        {
            LogRefused(_logger, StatusCodes.Status503ServiceUnavailable, "no AI endpoint connectable");
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "AI service unavailable, try again later", "no_ai_endpoint").ConfigureAwait(false);
            return;
        }

        if (_drain.IsDraining)
        {
            // The drain began while this device was authenticated and its stream opened: refuse as if it came now.
            upstream.Dispose();
            await RefuseDrainingAsync(context).ConfigureAwait(false);
            return;
        }

        // Only now, with the new connection certain, is the claim written and the previous owner kicked: a refused
        // attempt (503 above) leaves the device's live session alone.
        if (!await claim.ConfirmAsync(context.RequestAborted).ConfigureAwait(false))
        {
            upstream.Dispose();
            LogRefused(_logger, StatusCodes.Status409Conflict, "device already connected");
            await RefuseAsync(context, StatusCodes.Status409Conflict, "this device already has a live connection").ConfigureAwait(false);
            return;
        }

        System.Net.WebSockets.WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = _webSocket.KeepAliveInterval,
                DangerousEnableCompression = false,
            }).ConfigureAwait(false);
        }
        catch
        {
            upstream.Dispose();
            throw;
        }

        using var activity = new DeviceActivityMonitor(_admissionOptions, _limits.CloseTimeout, _timeProvider, _logger, _metrics);
        using (socket)
        {
            var session = _sessionFactory.Create(metadata, new MonitoredWebSocket(socket, activity), upstream);
            activity.Attach(session, session.Writer, session.Ai);
            var registration = _registry.Register(session, _sessions.DuplicateDevicePolicy, claim);
            if (!registration.Accepted)
            {
                // Lost a race with another connection of the same device under policy Reject.
                await session.CloseAsync(DeviceCloseReasons.DuplicateRejected).ConfigureAwait(false);
            }
            else if (registration.Replaced is { } replaced)
            {
                LogReplacing(_logger, replaced.SessionId);
                await replaced.CloseAsync(DeviceCloseReasons.Replaced).ConfigureAwait(false);
            }

            if (registration.Accepted && _drain.IsDraining)
            {
                // Registered after the drain took its snapshot of the sessions (the upgrade was already answered): the
                // drain does not know this session, so it drains itself — 1001 at once, as for any idle session.
                session.BeginDrain();
            }

            _metrics.SessionStarted();
            try
            {
                await session.RunAsync(_lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            finally
            {
                _metrics.SessionEnded();
                _registry.Unregister(session);
            }
        }
    }

    /// <summary>The device's address as the session records it: with its port when known, else the address alone.</summary>
    internal static string FormatRemote(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => "unknown",
        // X-Forwarded-For from a trusted proxy rarely carries a port: the middleware leaves RemotePort 0 then.
        var address when connection.RemotePort == 0 => address.ToString(),
        var address => new System.Net.IPEndPoint(address, connection.RemotePort).ToString(),
    };

    private Task RefuseDrainingAsync(HttpContext context)
    {
        LogRefused(_logger, StatusCodes.Status503ServiceUnavailable, "draining");
        return RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "server draining, try again later", "draining");
    }

    private async Task RefuseAsync(HttpContext context, int status, string reason, string? category = null)
    {
        _metrics.UpgradeRejected(status, category ?? status switch
        {
            StatusCodes.Status400BadRequest => "bad_request",
            StatusCodes.Status401Unauthorized => "auth",
            StatusCodes.Status404NotFound => "path",
            StatusCodes.Status409Conflict => "duplicate",
            StatusCodes.Status426UpgradeRequired => "not_websocket",
            _ => "other",
        });
        context.Response.StatusCode = status;
        // A refused client gets nothing more on this connection: without this Kestrel would keep it open for keep-alive.
        context.Response.Headers.Connection = "close";
        context.Response.ContentType = "text/plain; charset=utf-8";
        var body = System.Text.Encoding.UTF8.GetBytes(reason);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }
}
