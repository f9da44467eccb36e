using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Sessions;

internal sealed partial class DownlinkPump
{
    [LoggerMessage(EventId = 4301, Level = LogLevel.Debug, Message = "Downlink text {MessageType} ({Bytes} bytes)")]
    private static partial void LogTextFrame(ILogger logger, string messageType, int bytes);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Trace, Message = "Downlink audio {Bytes} bytes")]
    private static partial void LogBinaryFrame(ILogger logger, int bytes);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Warning, Message = "AI service error {ErrorCode} ({Bytes} bytes); alert sent to the device")]
    private static partial void LogAiError(ILogger logger, string errorCode, int bytes);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Warning, Message = "Unknown response_type {ResponseType} ({Bytes} bytes) skipped")]
    private static partial void LogUnknownResponseType(ILogger logger, int responseType, int bytes);

    [LoggerMessage(EventId = 4305, Level = LogLevel.Information, Message = "Server hello transport corrected to \"websocket\"")]
    private static partial void LogHelloTransportCorrected(ILogger logger);

    [LoggerMessage(EventId = 4306, Level = LogLevel.Warning, Message = "Audio frame of {Bytes} bytes does not fit protocol {Version}; dropped")]
    private static partial void LogAudioTooLargeForVersion(ILogger logger, int bytes, int version);

    [LoggerMessage(EventId = 4307, Level = LogLevel.Information, Message = "The AI service completed the stream")]
    private static partial void LogUpstreamCompleted(ILogger logger);

    [LoggerMessage(EventId = 4308, Message = "The AI service stream failed: {StatusCode}")]
    private static partial void LogUpstreamFailed(ILogger logger, LogLevel level, StatusCode statusCode);

    /// <summary>
    /// A stream lost with its connection (Unavailable) is one of many: the endpoint warns once per connection
    /// (<see cref="Upstream.AiEndpoint.OnConnectionLost"/>), the session notes it at Information. Any other end
    /// — a failure of this stream's own, or the AI service completing it (OK) while the device is connected — is a warning.
    /// </summary>
    internal static LogLevel FailureLevel(StatusCode status) => status == StatusCode.Unavailable ? LogLevel.Information : LogLevel.Warning;

    [LoggerMessage(EventId = 4309, Level = LogLevel.Information, Message = "Reply to the replayed hello not forwarded ({Comparison})")]
    private static partial void LogResumedHelloSwallowed(ILogger logger, string comparison);

    [LoggerMessage(EventId = 4310, Level = LogLevel.Warning, Message = "The resumed stream's hello has other audio params than the first; not forwarded, the device keeps the first")]
    private static partial void LogResumedHelloAudioDiffers(ILogger logger);

    [LoggerMessage(EventId = 4311, Level = LogLevel.Debug, Message = "The resumed stream's hello has a new session id (same audio params); not forwarded, the device keeps its session")]
    private static partial void LogResumedHelloSessionIdChanged(ILogger logger);
}
