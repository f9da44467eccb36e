using Microsoft.Extensions.Options;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>Start-up validation of <see cref="OtaOptions"/>.</summary>
internal sealed class OtaOptionsValidator : IValidateOptions<OtaOptions>
{
    public ValidateOptionsResult Validate(string? name, OtaOptions options)
    {
        var failures = new List<string>();
        if (!Uri.TryCreate(options.WebSocketUrl, UriKind.Absolute, out var ws) || ws.Scheme is not ("ws" or "wss"))
        {
            failures.Add($"Ota:WebSocketUrl must be an absolute ws:// or wss:// URL (got '{options.WebSocketUrl}').");
        }

        if (options.TokenLifetimeDays <= 0)
        {
            failures.Add("Ota:TokenLifetimeDays must be positive.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultFirmwareVersion))
        {
            failures.Add("Ota:DefaultFirmwareVersion must not be empty.");
        }

        failures.AddRange(OtaCors.Validate(options.CorsOrigins));
        if (!options.AllowNonLoopback)
        {
            failures.AddRange(OtaExposure.NonLoopbackUrls(options.Urls).Select(url =>
                $"Ota:Urls '{url}' is not a loopback address: the OTA issues a valid token for any Device-Id and /stub/faults controls the stub; use http://127.0.0.1:<port>, or set Ota:AllowNonLoopback=true to serve them beyond this machine."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
