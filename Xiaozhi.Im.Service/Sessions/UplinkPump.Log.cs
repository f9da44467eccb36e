using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class UplinkPump
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Uplink text {MessageType} ({Bytes} bytes)")]
    private static partial void LogTextFrame(ILogger logger, string messageType, int bytes);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Trace, Message = "Uplink binary frame {FrameBytes} bytes, payload {PayloadBytes} bytes")]
    private static partial void LogBinaryFrame(ILogger logger, int frameBytes, int payloadBytes);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Malformed binary frame of {FrameBytes} bytes ({Error}): {Problem}; not forwarded")]
    private static partial void LogMalformedBinary(ILogger logger, BinaryFrameError error, int frameBytes, string problem);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Device {FrameKind} message over the {Limit}-byte limit; closing 1009")]
    private static partial void LogMessageTooBig(ILogger logger, string frameKind, int limit);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "{Kind} frame would be a {RequestBytes}-byte ChatRequest, over Ai:MaxMessageBytes {Limit}; not forwarded")]
    private static partial void LogTooLargeForUpstream(ILogger logger, ChatFrameKind kind, long requestBytes, int limit);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Warning, Message = "The way to the AI service failed for good: {Reason}")]
    private static partial void LogUpstreamWriteFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Information, Message = "Device dropped the connection ({ExceptionType})")]
    private static partial void LogDeviceDropped(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Information, Message = "Device closed the WebSocket: {CloseCode} (reason of {ReasonLength} chars)")]
    private static partial void LogDeviceClosed(ILogger logger, int? closeCode, int reasonLength);
}
