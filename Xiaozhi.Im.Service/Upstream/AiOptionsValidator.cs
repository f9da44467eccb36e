using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>Refuses to start with unusable <see cref="AiOptions"/>. Never checks reachability: the IM starts without the AI service.</summary>
internal sealed class AiOptionsValidator : IValidateOptions<AiOptions>
{
    /// <summary>The smallest accepted keepalive ping delay.</summary>
    public static readonly TimeSpan MinimumKeepAlivePingDelay = TimeSpan.FromSeconds(10);

    /// <summary>The smallest accepted health check interval.</summary>
    public static readonly TimeSpan MinimumHealthCheckInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AiOptions options)
    {
        var failures = new List<string>();
        var endpoints = options.EffectiveEndpoints;
        if (endpoints.All(string.IsNullOrWhiteSpace))
        {
            failures.Add("Ai:Endpoints lists no AI service endpoint: set Ai:Endpoints:0 (env Ai__Endpoints__0) to a URL such as http://localhost:50051.");
        }
        else
        {
            for (var i = 0; i < endpoints.Count; i++)
            {
                if (!AiEndpointTarget.TryParse(endpoints[i], out _, out var error))
                {
                    failures.Add($"Ai:Endpoints:{i} '{endpoints[i]}' {error}.");
                }
            }
        }

        if (options.DnsRefreshInterval < MinimumHealthCheckInterval)
        {
            failures.Add($"Ai:DnsRefreshInterval must be at least 00:00:00.1 (got {options.DnsRefreshInterval}).");
        }

        if (options.DnsMinRefreshInterval <= TimeSpan.Zero || options.DnsMinRefreshInterval > options.DnsRefreshInterval)
        {
            failures.Add($"Ai:DnsMinRefreshInterval must be greater than 0 and at most Ai:DnsRefreshInterval (got {options.DnsMinRefreshInterval} and {options.DnsRefreshInterval}).");
        }

        if (options.MaxMessageBytes < 64 * 1024)
        {
            failures.Add($"Ai:MaxMessageBytes must be at least 65536 (got {options.MaxMessageBytes}).");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.ConnectTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"Ai:ConnectTimeout must be greater than 0 and at most 00:00:30 (got {options.ConnectTimeout}); devices wait for the upgrade meanwhile.");
        }

        if (options.KeepAlivePingDelay < MinimumKeepAlivePingDelay)
        {
            failures.Add($"Ai:KeepAlivePingDelay must be at least 00:00:10 (got {options.KeepAlivePingDelay}): the Go AI service answers pings more frequent than every 5 s with GOAWAY too_many_pings.");
        }

        if (options.KeepAlivePingTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Ai:KeepAlivePingTimeout must be greater than 0 (got {options.KeepAlivePingTimeout}).");
        }

        if (options.HealthCheckInterval < MinimumHealthCheckInterval)
        {
            failures.Add($"Ai:HealthCheckInterval must be at least 00:00:00.1 (got {options.HealthCheckInterval}).");
        }

        if (options.HealthCheckTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Ai:HealthCheckTimeout must be greater than 0 (got {options.HealthCheckTimeout}).");
        }

        if (options.ReconnectInitialBackoff <= TimeSpan.Zero || options.ReconnectMaxBackoff < options.ReconnectInitialBackoff)
        {
            failures.Add($"Ai:ReconnectInitialBackoff must be greater than 0 and Ai:ReconnectMaxBackoff at least as large (got {options.ReconnectInitialBackoff} and {options.ReconnectMaxBackoff}).");
        }

        if (options.StreamsPerConnection is < 1 or > 10_000)
        {
            failures.Add($"Ai:StreamsPerConnection must be between 1 and 10000 (got {options.StreamsPerConnection}).");
        }

        if (options.MaxConnectionsPerEndpoint is < 1 or > 1_000)
        {
            failures.Add($"Ai:MaxConnectionsPerEndpoint must be between 1 and 1000 (got {options.MaxConnectionsPerEndpoint}).");
        }

        ValidateResume(options.Resume, failures);
        ValidateMoves(options.Moves, failures);
        ValidateBalancing(options.Balancing, endpoints.Count, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateMoves(MovesOptions? moves, List<string> failures)
    {
        if (moves is null)
        {
            failures.Add("Ai:Moves is missing.");
            return;
        }

        if (moves.SpreadWindow < TimeSpan.Zero || moves.SpreadWindow > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Ai:Moves:SpreadWindow must be between 0 and 00:10:00 (got {moves.SpreadWindow}).");
        }

        if (moves.GoAwayBusyLimit <= TimeSpan.Zero || moves.GoAwayBusyLimit > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Ai:Moves:GoAwayBusyLimit must be greater than 0 and at most 00:01:00 (got {moves.GoAwayBusyLimit}); keep it below the AI service's MaxConnectionAgeGrace (5 s for the Go service).");
        }
    }

    private static void ValidateBalancing(AiBalancingOptions? balancing, int endpointCount, List<string> failures)
    {
        if (balancing is null)
        {
            failures.Add("Ai:Balancing is missing.");
            return;
        }

        if (!Enum.IsDefined(balancing.Policy))
        {
            failures.Add($"Ai:Balancing:Policy must be PeakEwma or LeastSessions (got {balancing.Policy}).");
        }

        if (balancing.DecayTime < TimeSpan.FromMilliseconds(100) || balancing.DecayTime > TimeSpan.FromHours(1))
        {
            failures.Add($"Ai:Balancing:DecayTime must be between 00:00:00.1 and 01:00:00 (got {balancing.DecayTime}).");
        }

        if (balancing.FailurePenalty < TimeSpan.Zero || balancing.FailurePenalty > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Ai:Balancing:FailurePenalty must be between 0 and 00:10:00 (got {balancing.FailurePenalty}).");
        }

        if (balancing.Weights.Count > endpointCount)
        {
            failures.Add($"Ai:Balancing:Weights has {balancing.Weights.Count} entries for {endpointCount} Ai:Endpoints entries: one weight per entry, same order.");
        }

        for (var i = 0; i < balancing.Weights.Count; i++)
        {
            if (!double.IsFinite(balancing.Weights[i]) || balancing.Weights[i] is < 0.01 or > 100)
            {
                failures.Add($"Ai:Balancing:Weights:{i} must be between 0.01 and 100 (got {balancing.Weights[i]}).");
            }
        }

        if (balancing.EjectAfterFailures is < 0 or > 10_000)
        {
            failures.Add($"Ai:Balancing:EjectAfterFailures must be between 0 (never eject) and 10000 (got {balancing.EjectAfterFailures}).");
        }

        if (balancing.EjectionTime <= TimeSpan.Zero || balancing.MaxEjectionTime < balancing.EjectionTime)
        {
            failures.Add($"Ai:Balancing:EjectionTime must be greater than 0 and Ai:Balancing:MaxEjectionTime at least as large (got {balancing.EjectionTime} and {balancing.MaxEjectionTime}).");
        }

        if (balancing.EjectFailurePercent is < 0 or > 100)
        {
            failures.Add($"Ai:Balancing:EjectFailurePercent must be between 0 (off) and 100 (got {balancing.EjectFailurePercent}).");
        }

        if (!double.IsFinite(balancing.EjectLatencyFactor) || (balancing.EjectLatencyFactor != 0 && balancing.EjectLatencyFactor is < 1.5 or > 1000))
        {
            failures.Add($"Ai:Balancing:EjectLatencyFactor must be 0 (off) or between 1.5 and 1000 (got {balancing.EjectLatencyFactor}).");
        }

        if (balancing.OutlierWindow < TimeSpan.FromSeconds(1) || balancing.OutlierWindow > AiEndpointBalance.MaxOutcomeWindow)
        {
            failures.Add($"Ai:Balancing:OutlierWindow must be between 00:00:01 and 00:10:00 (got {balancing.OutlierWindow}).");
        }

        if (balancing.MinTurnsToJudge is < 1 or > 100_000)
        {
            failures.Add($"Ai:Balancing:MinTurnsToJudge must be between 1 and 100000 (got {balancing.MinTurnsToJudge}).");
        }

        if (balancing.MaxEjectionPercent is < 0 or > 100)
        {
            failures.Add($"Ai:Balancing:MaxEjectionPercent must be between 0 and 100 (got {balancing.MaxEjectionPercent}).");
        }
    }

    private static void ValidateResume(ResumeOptions? resume, List<string> failures)
    {
        if (resume is null)
        {
            failures.Add("Ai:Resume is missing.");
            return;
        }

        if (resume.InitialBackoff <= TimeSpan.Zero || resume.MaxBackoff < resume.InitialBackoff)
        {
            failures.Add($"Ai:Resume:InitialBackoff must be greater than 0 and Ai:Resume:MaxBackoff at least as large (got {resume.InitialBackoff} and {resume.MaxBackoff}).");
        }

        if (resume.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"Ai:Resume:Timeout must be greater than 0 (got {resume.Timeout}); devices are closed with 1011 when no stream could be resumed in time.");
        }

        AddIfOutOfRange("Ai:Resume:MaxHeldFrames", resume.MaxHeldFrames, ResumeFramesRange, failures);
        AddIfOutOfRange("Ai:Resume:MaxHeldBytes", resume.MaxHeldBytes, ResumeBytesRange, failures);
        AddIfOutOfRange("Ai:Resume:MaxReplayFrames", resume.MaxReplayFrames, ResumeFramesRange, failures);
        AddIfOutOfRange("Ai:Resume:MaxReplayBytes", resume.MaxReplayBytes, ResumeBytesRange, failures);

        if (resume.MaxBufferAge <= TimeSpan.Zero)
        {
            failures.Add($"Ai:Resume:MaxBufferAge must be greater than 0 (got {resume.MaxBufferAge}).");
        }
    }

    /// <summary>The accepted range of a resume frame limit (also of its old name).</summary>
    internal static readonly (long Min, long Max) ResumeFramesRange = (1, 65536);

    /// <summary>The accepted range of a resume byte limit (also of its old name).</summary>
    internal static readonly (long Min, long Max) ResumeBytesRange = (1024, 256L * 1024 * 1024);

    /// <summary>Adds "<paramref name="setting"/> must be between …" when <paramref name="value"/> is outside <paramref name="range"/>.</summary>
    internal static void AddIfOutOfRange(string setting, long value, (long Min, long Max) range, List<string> failures)
    {
        if (value < range.Min || value > range.Max)
        {
            failures.Add($"{setting} must be between {range.Min} and {range.Max} (got {value}).");
        }
    }
}
