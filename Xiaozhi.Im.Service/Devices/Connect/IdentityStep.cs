using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>Who the device says it is (headers, and the query when <c>WebSocket:AllowQueryIdentity</c>): 400 when unreadable.</summary>
internal sealed class IdentityStep(IOptions<DeviceWebSocketOptions> webSocket, IOptions<TelemetryOptions> telemetry, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DeviceWebSocketEndpoint>();

    public ConnectRefusal? Identify(ConnectAttempt attempt)
    {
        var request = attempt.Context.Request;
        var handshake = DeviceHandshake.Parse(request.Headers, webSocket.Value.AllowQueryIdentity ? request.QueryString.Value : null);
        if (handshake.Identity is not { } identity)
        {
            return ConnectRefusal.BadHandshake(handshake.Problem, handshake.Error!);
        }

        attempt.Identified(identity, identity.SessionId ?? SessionMetadata.NewSessionId());
        return null;
    }

    /// <summary>The log scope of everything that follows for this device, its session included.</summary>
    public IDisposable? BeginScope(ConnectAttempt attempt) => _logger.BeginScope(new Dictionary<string, object?>
    {
        ["SessionId"] = attempt.SessionId,
        ["DeviceId"] = telemetry.Value.DeviceIdForLogs(attempt.Identity.DeviceId),
    });
}
