using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>
/// The scripts name their status codes in one Lua line each; these pin those lines to the C# enums that read the
/// codes, so a renumbering on one side fails here rather than as a wrong outcome on a real Redis.
/// </summary>
public sealed class ClusterScriptCodesTests
{
    [Test]
    public void The_claim_script_answers_the_statuses_ClaimStatus_names() =>
        ClusterScripts.Claim.Should().Contain($"local REFUSED, CLAIMED = {(int)ClaimStatus.Refused}, {(int)ClaimStatus.Claimed}\n");

    [Test]
    public void The_claim_script_reads_any_owner_as_ExpectedOwner_AnyClaim() =>
        ClusterScripts.Claim.Should().Contain($"ARGV[9] ~= '{ExpectedOwner.AnyClaim}'");

    [Test]
    public void The_refresh_script_answers_the_outcomes_RefreshOutcome_names() =>
        ClusterScripts.Refresh.Should().Contain(
            $"local STILL_OURS, RECREATED, NEWER_OWNS, TOOK_OLDER = {(int)RefreshOutcome.StillOurs}, {(int)RefreshOutcome.Recreated}, "
            + $"{(int)RefreshOutcome.NewerOwns}, {(int)RefreshOutcome.TookOlder}\n");

    [Test]
    public void The_scripts_use_the_names_not_the_numbers()
    {
        ClusterScripts.Claim.Should().NotMatchRegex(@"return \{\d");
        ClusterScripts.Refresh.Should().NotMatchRegex(@"code [=~]=? \d");
    }
}
