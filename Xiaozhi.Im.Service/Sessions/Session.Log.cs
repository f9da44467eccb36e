using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

public sealed partial class Session
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Session started (protocol {ProtocolVersion}, authenticated {Authenticated}, upstream {Endpoint})")]
    private static partial void LogSessionStarted(ILogger logger, BinaryProtocolVersion protocolVersion, bool authenticated, Uri endpoint);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Session ended (IM close: {Close})")]
    private static partial void LogSessionEnded(ILogger logger, string close);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "The response stream did not end within {Timeout} after the device left; cancelling the call")]
    private static partial void LogDrainTimedOut(ILogger logger, TimeSpan timeout);
}
