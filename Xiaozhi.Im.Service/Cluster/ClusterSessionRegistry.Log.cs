using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Cluster;

internal sealed partial class ClusterSessionRegistry
{
    [LoggerMessage(EventId = 8010, Level = LogLevel.Information, Message = "Device live on node {Node} (session {PreviousSessionId}): refused under policy Reject")]
    private static partial void LogRejected(ILogger logger, string node, string previousSessionId);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Information, Message = "Claimed the device from node {Node} (session {PreviousSessionId}); kick delivered: {Delivered}")]
    private static partial void LogTookFrom(ILogger logger, string node, string previousSessionId, bool delivered);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Information, Message = "Session {KickedSessionId} kicked: the device connected again elsewhere")]
    private static partial void LogKicked(ILogger logger, string kickedSessionId);

    [LoggerMessage(EventId = 8013, Level = LogLevel.Warning, Message = "Session {StaleSessionId} closed by the refresh: a newer connection of the device owns it (a kick was lost)")]
    private static partial void LogStaleClosed(ILogger logger, string staleSessionId);

    [LoggerMessage(EventId = 8014, Level = LogLevel.Information, Message = "Cleared {Count} device keys this node held before it restarted")]
    private static partial void LogCleared(ILogger logger, int count);
}
