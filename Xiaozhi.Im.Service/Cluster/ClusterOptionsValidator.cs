using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>Refuses to start with unusable <see cref="ClusterOptions"/> (only checked when the cluster is on).</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        try
        {
            var parsed = ConfigurationOptions.Parse(options.Redis!);
            if (parsed.EndPoints.Count == 0)
            {
                failures.Add("Cluster:Redis names no endpoint (expected e.g. 127.0.0.1:6379,password=…).");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException or RedisException)
        {
            failures.Add($"Cluster:Redis is not a StackExchange.Redis configuration string: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix) || options.KeyPrefix.Any(char.IsWhiteSpace))
        {
            failures.Add($"Cluster:KeyPrefix must be non-empty and without spaces (got '{options.KeyPrefix}').");
        }

        if (options.NodeId is { } nodeId && (nodeId.Length > 200 || nodeId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            failures.Add($"Cluster:NodeId must be at most 200 characters without spaces (got '{nodeId}').");
        }

        if (options.ClaimTimeout <= TimeSpan.Zero || options.ClaimTimeout > TimeSpan.FromSeconds(5))
        {
            failures.Add($"Cluster:ClaimTimeout must be greater than 0 and at most 00:00:05 (got {options.ClaimTimeout}).");
        }

        if (options.RefreshInterval < TimeSpan.FromMilliseconds(100) || options.RefreshInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"Cluster:RefreshInterval must be between 00:00:00.1 and 01:00:00 (got {options.RefreshInterval}).");
        }

        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || options.HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Cluster:HeartbeatInterval must be between 00:00:00.1 and 00:05:00 (got {options.HeartbeatInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
