using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Devices;

/// <summary>Refuses to start with unusable <see cref="DeviceWebSocketOptions"/>.</summary>
internal sealed class DeviceWebSocketOptionsValidator : IValidateOptions<DeviceWebSocketOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeviceWebSocketOptions options)
    {
        var failures = new List<string>();
        foreach (var path in options.Paths)
        {
            if (string.IsNullOrWhiteSpace(path) || (path.Trim() != "*" && !path.Trim().StartsWith('/')))
            {
                failures.Add($"WebSocket:Paths entry '{path}' must start with '/' (or be '*').");
            }
        }

        if (options.MaxTextFrameBytes < 1024)
        {
            failures.Add($"WebSocket:MaxTextFrameBytes must be at least 1024 (got {options.MaxTextFrameBytes}).");
        }

        if (options.MaxBinaryFrameBytes < 1024)
        {
            failures.Add($"WebSocket:MaxBinaryFrameBytes must be at least 1024 (got {options.MaxBinaryFrameBytes}).");
        }

        if (options.MaxControlFrameBytes < 1024 || options.MaxControlFrameBytes > options.MaxTextFrameBytes)
        {
            failures.Add($"WebSocket:MaxControlFrameBytes must be between 1024 and WebSocket:MaxTextFrameBytes ({options.MaxTextFrameBytes}) (got {options.MaxControlFrameBytes}).");
        }

        if (options.KeepAliveInterval < TimeSpan.Zero)
        {
            failures.Add($"WebSocket:KeepAliveInterval must not be negative (got {options.KeepAliveInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
