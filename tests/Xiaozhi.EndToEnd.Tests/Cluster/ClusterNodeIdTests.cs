using Xiaozhi.AiService.Stub;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>Two nodes configured with one <c>Cluster:NodeId</c>: the second refuses to start (real redis-server).</summary>
[NonParallelizable]
public sealed class ClusterNodeIdTests
{
    [Test]
    public async Task A_node_refuses_to_start_while_a_live_node_has_its_id_and_leaves_that_nodes_keys_alone()
    {
        await using var redis = await RedisServer.StartAsync();
        // Keys that outlive the test: what could remove them here is the twin's start-up cleanup, not their TTL.
        var cluster = ClusterSettings.For(redis) with { RefreshInterval = TimeSpan.FromSeconds(60) };
        await using var live = await ClusterNode.StartAsync(cluster, "node-a");
        var db = (await redis.ClientAsync()).GetDatabase();
        await using var device = await DeviceClient.ConnectAsync(live, new DeviceConnectOptions { SessionId = "on-live-node" });
        await device.HelloAsync();
        var key = cluster.KeyPrefix + "device:" + device.DeviceId;
        await Eventually.Async(() => db.KeyExists(key).Should().BeTrue());

        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-e2e-twin-");
        using var twin = await ChildProcess.RunAsync(
            ChildProcess.Dotnet,
            [
                typeof(ImApplication).Assembly.Location, "--contentRoot", contentRoot.FullName, "--urls", $"http://127.0.0.1:{FreePort.Pick()}", "--Management:Urls", "http://127.0.0.1:0",
                "--Ai:Endpoints:0", live.StubAt(0)!.GetGrpcAddress().ToString(), "--Auth:JwtSecret", live.JwtSecret, .. cluster.Args("node-a"),
            ],
            contentRoot.FullName,
            TimeSpan.FromSeconds(60));

        contentRoot.Delete(recursive: true);
        twin.ExitCode.Should().Be(2);
        twin.Output.Should().Contain("Invalid configuration, not starting:")
            .And.Contain("Cluster:NodeId 'node-a' is in use by a live node").And.NotContain("   at ", "no stack trace");
        ((string?)await db.HashGetAsync(key, "session_id")).Should().Be("on-live-node");
        (await db.SetContainsAsync(cluster.KeyPrefix + "node:node-a:devices", device.DeviceId)).Should().BeTrue();
        (await device.ChatAsync("the live node is untouched")).SttText.Should().Be("the live node is untouched");
    }
}
