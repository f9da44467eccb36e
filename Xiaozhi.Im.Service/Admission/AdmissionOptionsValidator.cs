using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>Start-up checks of <see cref="AdmissionOptions"/>, each failure naming its setting.</summary>
internal sealed class AdmissionOptionsValidator : IValidateOptions<AdmissionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentSessions < 1)
        {
            failures.Add($"Admission:MaxConcurrentSessions must be at least 1 (got {options.MaxConcurrentSessions}).");
        }

        if (options.PerIpConnectionsPerSecond <= 0 || options.PerIpConnectionBurst < 1)
        {
            failures.Add("Admission:PerIpConnectionsPerSecond must be > 0 and Admission:PerIpConnectionBurst at least 1.");
        }

        if (options.PerIpConcurrentConnections < 1)
        {
            failures.Add($"Admission:PerIpConcurrentConnections must be at least 1 (got {options.PerIpConcurrentConnections}).");
        }

        if (options.MessagesPerSecond <= 0 || options.MessageBurst < 1)
        {
            failures.Add("Admission:MessagesPerSecond must be > 0 and Admission:MessageBurst at least 1.");
        }

        foreach (var (key, value) in new[] { ("HandshakeTimeout", options.HandshakeTimeout), ("HelloTimeout", options.HelloTimeout), ("IdleTimeout", options.IdleTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"Admission:{key} must be greater than 0 (got {value}).");
            }
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
            {
                failures.Add($"Admission:AllowedOrigins entry '{origin}' is not an origin (scheme://host[:port]).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
