namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>One presence event as a consumer parsed it (with the field names in the order they came).</summary>
internal sealed record PresenceSeen(string Event, string DeviceId, string ClientId, string SessionId, string NodeId, long At, string[] Fields)
{
    public override string ToString() => $"{Event} {SessionId}@{NodeId}";
}
