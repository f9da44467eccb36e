using Microsoft.Extensions.Options;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>Warns at start-up when the OTA and the fault API listen beyond loopback (<c>Ota:AllowNonLoopback</c>).</summary>
internal sealed partial class OtaExposureReport(IOptions<OtaOptions> options, ILogger<OtaExposureReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var exposed = OtaExposure.NonLoopbackUrls(options.Value.Urls).ToList();
        if (exposed.Count > 0)
        {
            LogExposed(logger, string.Join(';', exposed));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "OTA and /stub/faults listen beyond loopback ({Urls}, Ota:AllowNonLoopback=true): anyone who reaches them gets a valid token for any Device-Id and can inject faults")]
    private static partial void LogExposed(ILogger logger, string urls);
}
