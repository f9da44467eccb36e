namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The connection a device key names: which node, which session, which claim.</summary>
internal sealed record DeviceOwner(string NodeId, string SessionId, string Claim)
{
    /// <summary>The kick that closes this connection (and only this one).</summary>
    public ClusterKick Kick(string deviceId) => new(deviceId, SessionId, Claim);
}
