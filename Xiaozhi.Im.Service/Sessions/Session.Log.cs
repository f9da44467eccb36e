using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class Session
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Session started (protocol {ProtocolVersion}, authenticated {Authenticated}, upstream {Endpoint})")]
    private static partial void LogSessionStarted(ILogger logger, BinaryProtocolVersion protocolVersion, bool authenticated, Uri endpoint);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Session ended (IM close: {Close})")]
    private static partial void LogSessionEnded(ILogger logger, string close);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "The response stream did not end within {Timeout}; cancelling the call")]
    private static partial void LogDrainTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 4004, Message = "The AI stream on {Endpoint} ended ({Kind}, {Status}) with the device connected; resuming ({BufferedFrames} frames kept)")]
    private static partial void LogResuming(ILogger logger, LogLevel level, DownlinkEndKind kind, StatusCode status, Uri endpoint, int bufferedFrames);

    [LoggerMessage(EventId = 4005, Message = "Session resumed on {Endpoint} after {Elapsed}")]
    private static partial void LogResumed(ILogger logger, LogLevel level, Uri endpoint, TimeSpan elapsed);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Resume failed ({Reason}): alert and close 1011")]
    private static partial void LogResumeFailed(ILogger logger, ResumeDropReason reason);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "The AI was speaking when its stream ended: sent the device a tts stop")]
    private static partial void LogSynthesizedTtsStop(ILogger logger);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Moving the session off {Endpoint} ({Reason})")]
    private static partial void LogMigrating(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Session moved to a fresh stream on {Endpoint} in {Elapsed}")]
    private static partial void LogMigrated(ILogger logger, Uri endpoint, TimeSpan elapsed);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Drain timeout reached in a turn: closing 1001")]
    private static partial void LogDrainDeadline(ILogger logger);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Information, Message = "Still in a turn {Limit} after {Endpoint}'s connection sent GOAWAY: moving now, before the server's grace ends; an answer still coming is cut and the device told")]
    private static partial void LogGoAwayBusyLimit(ILogger logger, Uri endpoint, TimeSpan limit);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Error, Message = "The session failed unexpectedly; closing the device with 1011")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);
}
