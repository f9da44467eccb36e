namespace Xiaozhi.AiService.Stub.Ota;

internal static partial class OtaEndpoints
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "OTA: issued a device token (device id of {DeviceIdLength} chars)")]
    private static partial void LogIssued(ILogger logger, int deviceIdLength);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "OTA: request rejected ({Reason})")]
    private static partial void LogRejected(ILogger logger, string reason);
}
