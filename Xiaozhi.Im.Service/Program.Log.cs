using Microsoft.Extensions.Logging;

/// <summary>The entry point's log messages.</summary>
internal partial class Program
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Shared buffer pool keeps {Capacity} buffers of each size per CPU")]
    private static partial void LogSharedBufferPool(ILogger logger, string capacity);
}
