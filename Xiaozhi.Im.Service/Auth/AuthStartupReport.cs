using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Auth;

/// <summary>Warns at start-up about a weak authentication set-up (auth disabled, short secret).</summary>
internal sealed partial class AuthStartupReport(IOptions<AuthOptions> options, ILogger<AuthStartupReport> logger) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var auth = options.Value;
        if (!auth.Enabled)
        {
            LogAuthDisabled(logger);
        }
        else if (HmacSecretKey.IsShort(auth.JwtSecret))
        {
            LogShortSecret(logger, System.Text.Encoding.UTF8.GetByteCount(auth.JwtSecret), AuthOptions.PaddedKeyBytes);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
