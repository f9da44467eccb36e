namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What the claim script answered.</summary>
/// <param name="Claimed">False: refused under Reject (the owner's node is listening).</param>
/// <param name="PreviousNode">The node that owned the device before, or empty.</param>
/// <param name="PreviousSession">Its session id, or empty.</param>
/// <param name="KickReceivers">How many subscribers got the kick; 0 means the owner was gone; -1 no kick was needed.</param>
internal readonly record struct ClaimResult(bool Claimed, string PreviousNode, string PreviousSession, long KickReceivers);
