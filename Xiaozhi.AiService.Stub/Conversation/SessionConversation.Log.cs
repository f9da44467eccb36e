namespace Xiaozhi.AiService.Stub.Conversation;

internal sealed partial class SessionConversation
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Session {SessionId}: hello, format {Format}, mcp {Mcp}")]
    private static partial void LogHello(ILogger logger, string sessionId, string format, bool mcp);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Session {SessionId}: VAD silence ended an utterance of {Frames} frames")]
    private static partial void LogVadEnd(ILogger logger, string sessionId, int frames);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Session {SessionId}: abort")]
    private static partial void LogAbort(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Session {SessionId}: 999 {ErrorCode}")]
    private static partial void LogError999(ILogger logger, string sessionId, string errorCode);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Session {SessionId}: ignored unknown JSON type '{Type}'")]
    private static partial void LogUnknownType(ILogger logger, string sessionId, string type);

    [LoggerMessage(EventId = 109, Level = LogLevel.Debug, Message = "Session {SessionId}: image rejected ({ErrorCode}), {Base64Length} base64 chars")]
    private static partial void LogImageRejected(ILogger logger, string sessionId, string errorCode, int base64Length);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "Session {SessionId}: {Format} image accepted, {Size} bytes")]
    private static partial void LogImageAccepted(ILogger logger, string sessionId, string format, int size);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Session {SessionId}: handling a frame (type {MessageType}, {Size} bytes) failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string sessionId, int messageType, int size);
}
