using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Management;

/// <summary>Start-up checks of <see cref="ManagementOptions"/>.</summary>
internal sealed class ManagementOptionsValidator : IValidateOptions<ManagementOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ManagementOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var urls = (options.Urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            return ValidateOptionsResult.Fail("Management:Urls is empty: set a listen address such as http://127.0.0.1:9090, or Management:Enabled=false.");
        }

        var bad = urls.Where(u => !Uri.TryCreate(u.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")).ToList();
        return bad.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Management:Urls has addresses that are not http(s) URLs: {string.Join(", ", bad)}.");
    }
}
