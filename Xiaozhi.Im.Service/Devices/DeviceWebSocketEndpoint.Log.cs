using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Devices;

internal sealed partial class DeviceWebSocketEndpoint
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Device request refused with {StatusCode}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Device authentication failed: {Reason} (token present: {TokenPresent})")]
    private static partial void LogAuthFailed(ILogger logger, string reason, bool tokenPresent);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Replacing the device's previous session {PreviousSessionId}")]
    private static partial void LogReplacing(ILogger logger, string previousSessionId);
}
