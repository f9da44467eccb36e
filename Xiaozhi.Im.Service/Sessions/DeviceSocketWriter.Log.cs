using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class DeviceSocketWriter
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Alert to device: {AlertMessage}")]
    private static partial void LogAlert(ILogger logger, string alertMessage);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Closing device WebSocket: {CloseCode} {CloseReason}")]
    private static partial void LogClosing(ILogger logger, int closeCode, string closeReason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Send of a {FrameKind} frame to the device failed: {ExceptionType}")]
    private static partial void LogSendFailed(ILogger logger, string frameKind, string exceptionType);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "The device stopped reading: a {Bytes}-byte send did not complete within {SendTimeout}; connection aborted (1008 device stopped reading)")]
    private static partial void LogStoppedReading(ILogger logger, TimeSpan sendTimeout, int bytes);
}
