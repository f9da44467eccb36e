using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Upstream;

internal sealed partial class AiEndpointPool
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "ChatStream opened on {Endpoint}, connection {Connection}")]
    private static partial void LogStreamOpened(ILogger logger, Uri endpoint, int connection);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "No AI service endpoint of {EndpointCount} connectable within {ConnectTimeout} (the health monitor warns when an endpoint changes state; the caller logs the refusal or retries)")]
    private static partial void LogNoEndpoint(ILogger logger, int endpointCount, TimeSpan connectTimeout);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "AI service endpoint {Endpoint} not connectable in time (state {State})")]
    private static partial void LogEndpointNotConnectable(ILogger logger, Uri endpoint, ConnectivityState state);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Connecting to AI service endpoint {Endpoint} failed: {ExceptionType}")]
    private static partial void LogEndpointConnectFailed(ILogger logger, Uri endpoint, string exceptionType);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "An AI service endpoint became connectable: sessions waiting to resume retry now")]
    private static partial void LogEndpointRecovered(ILogger logger);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint}: connection {Connection} not connectable in time (state {State}) although the endpoint is; the session is refused or retries its resume")]
    private static partial void LogConnectionNotConnectable(ILogger logger, Uri endpoint, int connection, ConnectivityState state);
}
