namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The status <see cref="ClusterScripts.Claim"/> returns first (the values are the script's codes).</summary>
internal enum ClaimStatus
{
    /// <summary>Under Reject, another connection claimed the device after this one's check: nothing was written.</summary>
    Refused = 0,

    /// <summary>The device key names this connection now.</summary>
    Claimed = 1,
}
