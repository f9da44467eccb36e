using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>This node's id (<c>Cluster:NodeId</c>, else host name + device port).</summary>
internal sealed class ClusterIdentity(IOptions<ClusterOptions> options, IConfiguration configuration)
{
    public string NodeId { get; } = ClusterNodeId.Resolve(options.Value.NodeId, configuration[WebHostDefaults.ServerUrlsKey], Environment.MachineName);
}
