using Microsoft.Extensions.Logging;

namespace Xiaozhi.Im.Service.Auth;

internal sealed partial class AuthStartupReport
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "!!! Auth:Enabled=false: devices are NOT authenticated, any client that sends a Device-Id can connect. Development only. !!!")]
    private static partial void LogAuthDisabled(ILogger logger);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "Auth:JwtSecret is only {SecretBytes} bytes; it is zero-padded to {PaddedBytes} bytes (same HMAC signatures). Use a secret of at least 32 random bytes.")]
    private static partial void LogShortSecret(ILogger logger, int secretBytes, int paddedBytes);
}
