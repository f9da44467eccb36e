using System.Diagnostics;
using Xiaozhi.Im.Service.Forwarding;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>
/// The session's first ChatStream, opened before the upgrade is accepted: a device that cannot be served gets 503, never
/// a dead WebSocket. Starts the session's span, which the attempt holds for the session's lifetime.
/// </summary>
internal sealed class StreamStep(AiEndpointPool pool, TrustedProxies proxies)
{
    public async ValueTask<ConnectRefusal?> OpenAsync(ConnectAttempt attempt)
    {
        var context = attempt.Context;
        var identity = attempt.Identity;
        var metadata = new SessionMetadata(
            attempt.SessionId,
            attempt.DeviceId,
            identity.ClientId,
            attempt.UserId,
            identity.ProtocolVersion,
            identity.TransportType,
            DeviceWebSocketEndpoint.FormatRemote(context.Connection));

        // A device's own traceparent must not decide whether its session is recorded (nor parent it): only a trusted
        // proxy's is believed, like X-Forwarded-For. From anyone else the session span is a root for our own sampler.
        if (!proxies.IsTrusted(TrustedProxies.PeerOf(context)))
        {
            Activity.Current = null;
        }

        // One span per session (W3C trace context goes to the AI service in the ChatStream metadata).
        var span = ImTelemetry.Source.StartActivity("xiaozhi.session", ActivityKind.Server);
        attempt.Hold(span);
        span?.SetTag("xiaozhi.session_id", attempt.SessionId)
            .SetTag("xiaozhi.protocol_version", (int)identity.ProtocolVersion)
            .SetTag("xiaozhi.transport_type", identity.TransportType);
        var stream = await pool.OpenChatStreamAsync(metadata, attempt.Aborted).ConfigureAwait(false);
        if (stream is null)
        {
            return ConnectRefusal.NoAiEndpoint;
        }

        attempt.Opened(metadata, stream);
        return null;
    }
}
