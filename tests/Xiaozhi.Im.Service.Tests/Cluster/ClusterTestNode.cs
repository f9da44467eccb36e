using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Cluster;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>One node's cluster registry over the shared <see cref="InMemoryRedis"/>, on the test's clock.</summary>
internal sealed class ClusterTestNode : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public ClusterTestNode(InMemoryRedis redis, string nodeId, TimeProvider clock)
    {
        Store = new InMemoryClusterStore(redis, nodeId, clock);
        Registry = new ClusterSessionRegistry(
            Local,
            Store,
            Options.Create(new ClusterOptions { Redis = "in-memory", NodeId = nodeId }),
            new ClusterMetrics(_services.GetRequiredService<IMeterFactory>(), Store),
            clock,
            NullLogger<ClusterSessionRegistry>.Instance);
    }

    public SessionRegistry Local { get; } = new();

    public InMemoryClusterStore Store { get; }

    public ClusterSessionRegistry Registry { get; }

    /// <summary>The endpoint's order: claim, (AI stream opens), confirm, (upgrade), register.</summary>
    public async Task<RecordingSession> ConnectAsync(string deviceId, string sessionId, DuplicateDevicePolicy policy = DuplicateDevicePolicy.Replace)
    {
        using var claim = await Registry.ClaimAsync(deviceId, sessionId, "client", policy, CancellationToken.None);
        claim.Accepted.Should().BeTrue();
        (await claim.ConfirmAsync(CancellationToken.None)).Should().BeTrue();
        var session = new RecordingSession(deviceId, sessionId);
        Registry.Register(session, policy, claim).Accepted.Should().BeTrue();
        return session;
    }

    public void Dispose() => _services.Dispose();
}
