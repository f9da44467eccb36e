namespace Xiaozhi.AiService.Stub.Sessions;

internal sealed partial class StubChatService
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "ChatStream opened: session {SessionId}, {HeaderCount} metadata headers")]
    private static partial void LogOpened(ILogger logger, string sessionId, int headerCount);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "ChatStream closed: session {SessionId} after {Received} requests")]
    private static partial void LogClosed(ILogger logger, string sessionId, int received);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "ChatStream refused (fault injection)")]
    private static partial void LogRefused(ILogger logger);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "ChatStream session {SessionId} failed after {Received} messages (fault injection)")]
    private static partial void LogFailAfter(ILogger logger, string sessionId, int received);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "ChatStream session {SessionId} dropped (fault injection)")]
    private static partial void LogDropped(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "ChatStream session {SessionId}: the client went away")]
    private static partial void LogClientGone(ILogger logger, string sessionId);
}
