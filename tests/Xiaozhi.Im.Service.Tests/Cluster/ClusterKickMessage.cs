using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>A kick as it travels: encoded and decoded by the product's <see cref="ClusterKick"/>, as on the real channel.</summary>
internal sealed record ClusterKickMessage(string Json)
{
    public ClusterKick Kick => ClusterKick.TryParse(Json) ?? throw new InvalidOperationException("not a kick: " + Json);
}
