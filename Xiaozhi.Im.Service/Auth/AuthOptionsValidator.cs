using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Auth;

/// <summary>Refuses to start with an unusable <see cref="AuthOptions"/>.</summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled && string.IsNullOrEmpty(options.JwtSecret))
        {
            failures.Add("Auth:JwtSecret is empty but Auth:Enabled is true: set Auth:JwtSecret (env Auth__JwtSecret) to the AI service's server.token, or set Auth:Enabled=false for development only.");
        }

        // A secret published in this repository lets anyone mint tokens; Development (build.sh run) may keep it.
        if (options.Enabled && SampleSecrets.Contains(options.JwtSecret) && !environment.IsDevelopment())
        {
            failures.Add($"Auth:JwtSecret is a sample or development secret shipped with the gateway, refused in the {environment.EnvironmentName} environment: set Auth:JwtSecret (env Auth__JwtSecret) to the AI service's server.token.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Auth:ClockSkew must be between 00:00:00 and 00:10:00 (got {options.ClockSkew}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
