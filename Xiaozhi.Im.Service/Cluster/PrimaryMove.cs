namespace Xiaozhi.Im.Service.Cluster;

/// <summary>What a node does after asking the sentinels who the primary is (<see cref="SentinelView.Next"/>).</summary>
internal enum PrimaryMove
{
    /// <summary>Connected to the primary the sentinels name, and it answers as a primary: stop asking.</summary>
    Settled,

    /// <summary>No answer, or the named primary is not reachable or not a primary yet: ask again shortly.</summary>
    Wait,

    /// <summary>The sentinels name another primary: connect to it, subscribe there, then move every command to it.</summary>
    Switch,
}
