using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class Session
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Session started (protocol {ProtocolVersion}, authenticated {Authenticated}, upstream {Endpoint})")]
    private static partial void LogSessionStarted(ILogger logger, BinaryProtocolVersion protocolVersion, bool authenticated, Uri endpoint);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Session ended (IM close: {Close})")]
    private static partial void LogSessionEnded(ILogger logger, string close);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Drain timeout reached in a turn: closing 1001")]
    private static partial void LogDrainDeadline(ILogger logger);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Error, Message = "The session failed unexpectedly; closing the device with 1011")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);
}
