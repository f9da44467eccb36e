using Microsoft.Extensions.Options;

namespace Xiaozhi.AiService.Stub.Configuration;

/// <summary>Start-up validation of <see cref="StubOptions"/> with messages that name the setting.</summary>
internal sealed class StubOptionsValidator : IValidateOptions<StubOptions>
{
    public ValidateOptionsResult Validate(string? name, StubOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add("Stub:Mode must be 'assistant' or 'echo'.");
        }

        Require(failures, options.PacingBurstFrames >= 0, "Stub:PacingBurstFrames must be 0 or more.");
        Require(failures, options.VadSilenceMs is > 0 and <= 60_000, "Stub:VadSilenceMs must be between 1 and 60000.");
        Require(failures, options.SyntheticFrames is >= 0 and <= 10_000, "Stub:SyntheticFrames must be between 0 and 10000.");
        Require(failures, options.McpTimeoutMs is > 0, "Stub:McpTimeoutMs must be positive.");
        Require(failures, options.MaxMessageBytes >= 64 * 1024, "Stub:MaxMessageBytes must be at least 65536.");
        Require(failures, options.MaxImageBytes > 0, "Stub:MaxImageBytes must be positive.");
        Require(failures, options.MaxStreamsPerConnection > 0, "Stub:MaxStreamsPerConnection must be positive.");
        Require(failures, options.MaxUtteranceFrames > 0, "Stub:MaxUtteranceFrames must be positive.");
        Require(failures, options.MaxPendingTurns > 0, "Stub:MaxPendingTurns must be positive.");
        Require(failures, options.MaxRecordedSessions > 0, "Stub:MaxRecordedSessions must be positive.");
        Require(failures, options.MaxRecordedRequestsPerSession >= 0, "Stub:MaxRecordedRequestsPerSession must be 0 (record none) or more.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Require(List<string> failures, bool condition, string message)
    {
        if (!condition)
        {
            failures.Add(message);
        }
    }
}
