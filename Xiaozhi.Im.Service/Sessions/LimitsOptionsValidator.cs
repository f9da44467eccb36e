using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Refuses to start with unusable <see cref="LimitsOptions"/>.</summary>
internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        if (options.CloseTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Limits:CloseTimeout must be greater than 0 (got {options.CloseTimeout}).");
        }

        if (options.UpstreamDrainTimeout < TimeSpan.Zero)
        {
            failures.Add($"Limits:UpstreamDrainTimeout must not be negative (got {options.UpstreamDrainTimeout}).");
        }

        if (options.InitialReceiveBufferBytes is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add($"Limits:InitialReceiveBufferBytes must be between 1024 and 16777216 (got {options.InitialReceiveBufferBytes}).");
        }

        if (options.MaxKeptBytesPerSession < 64 * 1024)
        {
            failures.Add($"Limits:MaxKeptBytesPerSession must be at least 65536 (got {options.MaxKeptBytesPerSession}).");
        }

        if (options.NodeBufferedBytes != 0 && options.NodeBufferedBytes < 1024 * 1024)
        {
            failures.Add($"Limits:NodeBufferedBytes must be 0 (a quarter of the available memory) or at least 1048576 (got {options.NodeBufferedBytes}).");
        }

        if (options.DeviceSendTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Limits:DeviceSendTimeout must be greater than 0 (got {options.DeviceSendTimeout}).");
        }

        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Limits:DrainTimeout must be between 0 and 00:10:00 (got {options.DrainTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
