namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What the claim script answered.</summary>
/// <param name="Claimed">False: under Reject, another connection claimed the device after this one's check.</param>
/// <param name="Previous">The connection that owned the device before (to be kicked when claimed), or null.</param>
/// <param name="ConnectedAtUnixMs">The claim's time on Redis' clock (0 when not claimed).</param>
internal readonly record struct ClaimResult(bool Claimed, DeviceOwner? Previous, long ConnectedAtUnixMs);
