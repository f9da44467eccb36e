using Microsoft.Extensions.Options;

namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>Start-up validation of <see cref="StubFaultOptions"/>.</summary>
internal sealed class StubFaultOptionsValidator : IValidateOptions<StubFaultOptions>
{
    public ValidateOptionsResult Validate(string? name, StubFaultOptions options)
    {
        var failures = new List<string>();
        if (options.ResponseDelayMs < 0)
        {
            failures.Add("Stub:Faults:ResponseDelayMs must be 0 or more.");
        }

        if (options.FailStreamAfterMessages is < 1)
        {
            failures.Add("Stub:Faults:FailStreamAfterMessages must be 1 or more when set.");
        }

        if (options.MaxConcurrentTurns is < 0 or > 100_000)
        {
            failures.Add("Stub:Faults:MaxConcurrentTurns must be between 0 (no limit) and 100000.");
        }

        if (options.FailEveryNthTurn is < 1)
        {
            failures.Add("Stub:Faults:FailEveryNthTurn must be 1 or more when set.");
        }

        if (options.MaxConnectionAgeSeconds is < 0)
        {
            failures.Add("Stub:Faults:MaxConnectionAgeSeconds must be 0 (off) or more.");
        }

        if (options.MaxConnectionAgeGraceSeconds < 0)
        {
            failures.Add("Stub:Faults:MaxConnectionAgeGraceSeconds must be 0 or more.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
