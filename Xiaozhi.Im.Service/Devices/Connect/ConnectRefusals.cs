using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>The one place a <see cref="ConnectRefusal"/> becomes the log line, the metric and the HTTP answer.</summary>
internal sealed partial class ConnectRefusals(ImMetrics metrics, ILoggerFactory loggerFactory)
{
    // The connect's category, as before the steps were split out: log filters keep working.
    private readonly ILogger _logger = loggerFactory.CreateLogger<DeviceWebSocketEndpoint>();

    public async Task AnswerAsync(HttpContext context, ConnectRefusal refusal)
    {
        if (refusal.LogEvent == ConnectLogEvent.AuthFailed)
        {
            LogAuthFailed(_logger, refusal.LogDetail, refusal.TokenPresent);
        }
        else
        {
            LogRefused(_logger, refusal.Status, refusal.LogDetail);
        }

        metrics.UpgradeRejected(refusal.Status, refusal.MetricLabel);
        context.Response.StatusCode = refusal.Status;
        if (refusal.Status == StatusCodes.Status426UpgradeRequired)
        {
            context.Response.Headers.Upgrade = "websocket";
        }

        // A refused client gets nothing more on this connection: without this Kestrel would keep it open for keep-alive.
        context.Response.Headers.Connection = "close";
        context.Response.ContentType = "text/plain; charset=utf-8";
        var body = System.Text.Encoding.UTF8.GetBytes(refusal.Reason);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Device request refused with {StatusCode}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Device authentication failed: {Reason} (token present: {TokenPresent})")]
    private static partial void LogAuthFailed(ILogger logger, string reason, bool tokenPresent);
}
