namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The refresh of one claim.</summary>
/// <param name="Outcome">What was found and done.</param>
/// <param name="ConnectedAtUnixMs">The claim's time on Redis' clock (stamped now if it never was).</param>
/// <param name="Displaced">With <see cref="RefreshOutcome.TookOlder"/>: the older owner, to be kicked.</param>
internal readonly record struct RefreshResult(RefreshOutcome Outcome, long ConnectedAtUnixMs, DeviceOwner? Displaced);
