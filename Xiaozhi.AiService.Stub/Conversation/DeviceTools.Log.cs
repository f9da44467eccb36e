namespace Xiaozhi.AiService.Stub.Conversation;

internal sealed partial class DeviceTools
{
    [LoggerMessage(EventId = 106, Level = LogLevel.Debug, Message = "Session {SessionId}: MCP response matches no request of ours")]
    private static partial void LogUnmatchedMcpResponse(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Session {SessionId}: device has {Count} MCP tools")]
    private static partial void LogMcpTools(ILogger logger, string sessionId, int count);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Session {SessionId}: MCP {Step} failed: {Reason}")]
    private static partial void LogMcpFailed(ILogger logger, string sessionId, string step, string reason);
}
