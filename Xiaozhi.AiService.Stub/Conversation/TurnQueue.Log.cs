namespace Xiaozhi.AiService.Stub.Conversation;

internal sealed partial class TurnQueue
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Session {SessionId}: turn with {Frames} audio frames")]
    private static partial void LogTurn(ILogger logger, string sessionId, int frames);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Session {SessionId}: a turn failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Session {SessionId}: queued turns did not finish after the request stream ended")]
    private static partial void LogDrainTimedOut(ILogger logger, string sessionId);
}
