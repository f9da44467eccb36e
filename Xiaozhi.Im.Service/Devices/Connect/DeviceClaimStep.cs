using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>
/// One live session per device (<c>Sessions:DuplicateDevicePolicy</c>): checked before the stream opens (409 must be an
/// HTTP answer), confirmed once the stream is open, written when the session exists.
/// </summary>
internal sealed partial class DeviceClaimStep(ISessionRegistry registry, IOptions<DeviceSessionOptions> sessions, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DeviceWebSocketEndpoint>();

    /// <summary>With a cluster this asks Redis, within a short bound.</summary>
    public async ValueTask<ConnectRefusal?> ClaimAsync(ConnectAttempt attempt)
    {
        var claim = await registry.ClaimAsync(attempt.DeviceId, attempt.SessionId, attempt.Identity.ClientId, sessions.Value.DuplicateDevicePolicy, attempt.Aborted).ConfigureAwait(false);
        attempt.Hold(claim);
        return claim.Accepted ? null : claim.AnotherConnecting ? ConnectRefusal.DeviceConnecting : ConnectRefusal.DeviceConnected;
    }

    /// <summary>
    /// Only with the new connection certain (its stream open) is the claim written and the previous owner kicked: a
    /// refused attempt leaves the device's live session alone.
    /// </summary>
    public async ValueTask<ConnectRefusal?> ConfirmAsync(ConnectAttempt attempt) =>
        await attempt.Claim.ConfirmAsync(attempt.Aborted).ConfigureAwait(false) ? null : ConnectRefusal.DeviceConnected;

    /// <summary>Makes <paramref name="session"/> the device's live one; false when it lost a race under policy Reject (closed then).</summary>
    public async Task<bool> RegisterAsync(Session session, ConnectAttempt attempt)
    {
        var registration = registry.Register(session, sessions.Value.DuplicateDevicePolicy, attempt.Claim);
        if (!registration.Accepted)
        {
            // Another connection of the same device registered between our claim and now: the upgrade is answered already.
            await session.CloseAsync(DeviceCloseReasons.DuplicateRejected).ConfigureAwait(false);
            return false;
        }

        if (registration.Replaced is { } replaced)
        {
            LogReplacing(_logger, replaced.SessionId);
            await replaced.CloseAsync(DeviceCloseReasons.Replaced).ConfigureAwait(false);
        }

        return true;
    }

    public void Unregister(Session session) => registry.Unregister(session);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Replacing the device's previous session {PreviousSessionId}")]
    private static partial void LogReplacing(ILogger logger, string previousSessionId);
}
