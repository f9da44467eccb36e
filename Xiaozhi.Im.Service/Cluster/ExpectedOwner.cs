namespace Xiaozhi.Im.Service.Cluster;

/// <summary>
/// What the confirm step may replace: any owner (Replace), only the owner the Reject check saw (its claim, empty for
/// none), or nothing known (the check got no answer from Redis: the claim is left to the refresh).
/// </summary>
internal sealed class ExpectedOwner
{
    private ExpectedOwner(bool known, string? claim)
    {
        Known = known;
        Claim = claim;
    }

    /// <summary>What <see cref="ClusterScripts.Claim"/> takes for "any owner" in place of a claim (never a real claim: those are hex).</summary>
    public const string AnyClaim = "*";

    public static ExpectedOwner Any { get; } = new(true, null);

    public static ExpectedOwner Unknown { get; } = new(false, null);

    /// <summary>False: the Reject check got no answer, so Redis is not written at the upgrade.</summary>
    public bool Known { get; }

    /// <summary>The owner's claim the check saw (empty: no owner); null: any owner may be replaced.</summary>
    public string? Claim { get; }

    public static ExpectedOwner Seen(string claim) => new(true, claim);
}
