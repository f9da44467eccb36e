namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What the refresh found for one claim (the values are the refresh script's codes).</summary>
internal enum RefreshOutcome
{
    /// <summary>The key still names this claim: its TTL was extended.</summary>
    StillOurs = 0,

    /// <summary>The key was gone (expired, Redis restarted, a claim that never landed): re-created.</summary>
    Recreated = 1,

    /// <summary>A newer connection owns the device: the local session must close (its kick was lost).</summary>
    NewerOwns = 2,

    /// <summary>An older connection owned it (a duplicate made during an outage): taken, the owner is to be kicked.</summary>
    TookOlder = 3,
}
