using Xiaozhi.Im.Service.Management;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The cluster's line in <c>/readyz</c>: informative only (a Redis outage never makes the node unready).</summary>
internal sealed class ClusterReadinessDetail(ClusterStore store) : IReadinessDetail
{
    public string Describe() => store.Describe();
}
