using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Auth;

internal sealed partial class DeviceTokenValidator
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Token rejected by the JWT handler: {ExceptionType}")]
    private static partial void LogRejectedByHandler(ILogger logger, string exceptionType);
}
