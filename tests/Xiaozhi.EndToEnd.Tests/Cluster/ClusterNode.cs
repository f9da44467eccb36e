using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>An in-process IM node (with its own stub AI service) joined to the test's Redis.</summary>
internal static class ClusterNode
{
    public static Task<Gateway> StartAsync(ClusterSettings cluster, string nodeId) =>
        Gateway.StartAsync(new GatewayOptions { ImArgs = cluster.Args(nodeId) });

    /// <summary>True when the node holds a live session of the device.</summary>
    public static bool Holds(this Gateway node, string deviceId) =>
        node.Im.Services.GetRequiredService<ISessionRegistry>().IsConnected(deviceId);
}
