namespace Xiaozhi.AiService.Stub.Faults;

internal sealed partial class ConnectionTracker
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Connection {ConnectionId}: graceful GOAWAY ({Reason})")]
    private static partial void LogGoAway(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Connection {ConnectionId}: max connection age grace elapsed, aborting")]
    private static partial void LogAbortAfterGrace(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Connection {ConnectionId} has no lifetime notification feature; aborting instead of GOAWAY")]
    private static partial void LogNoLifetimeFeature(ILogger logger, string connectionId);
}
