using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class MoveTriggers
{
    [LoggerMessage(EventId = 4014, Level = LogLevel.Information, Message = "Still in a turn {Limit} after {Endpoint}'s connection sent GOAWAY: moving now, before the server's grace ends; an answer still coming is cut and the device told")]
    private static partial void LogGoAwayBusyLimit(ILogger logger, Uri endpoint, TimeSpan limit);
}
