using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class SessionMover
{
    // Also the session's when the device left (one event id, one declaration).
    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "The response stream did not end within {Timeout}; cancelling the call")]
    internal static partial void LogDrainTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 4004, Message = "The AI stream on {Endpoint} ended ({Kind}, {Status}) with the device connected; resuming ({BufferedFrames} frames kept)")]
    private static partial void LogResuming(ILogger logger, LogLevel level, DownlinkEndKind kind, StatusCode status, Uri endpoint, int bufferedFrames);

    [LoggerMessage(EventId = 4005, Message = "Session resumed on {Endpoint} after {Elapsed}")]
    private static partial void LogResumed(ILogger logger, LogLevel level, Uri endpoint, TimeSpan elapsed);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Resume failed ({Reason}): alert and close 1011")]
    private static partial void LogResumeFailed(ILogger logger, ResumeDropReason reason);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "The AI was answering (speaking {Speaking}) when its stream on {Endpoint} ended ({Cause}): told the device its answer was cut (alert, then tts stop)")]
    private static partial void LogAnswerCut(ILogger logger, bool speaking, Uri endpoint, string cause);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Moving the session off {Endpoint} ({Reason})")]
    private static partial void LogMigrating(ILogger logger, Uri endpoint, string reason);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Session moved to a fresh stream on {Endpoint} in {Elapsed}")]
    private static partial void LogMigrated(ILogger logger, Uri endpoint, TimeSpan elapsed);
}
