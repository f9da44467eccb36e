namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>The fields of one device key in <see cref="InMemoryRedis"/>.</summary>
internal sealed record DeviceKey(string NodeId, string SessionId, string ClientId, long ConnectedAtUnixMs, string Claim);
