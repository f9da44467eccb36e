using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>Two IM nodes on one real redis-server: one session per device across nodes, kicks, releases, presence.</summary>
[NonParallelizable]
public sealed class ClusterOwnershipTests
{
    private RedisServer _redis = null!;
    private IDatabase _db = null!;

    [OneTimeSetUp]
    public async Task StartRedis()
    {
        _redis = await RedisServer.StartAsync();
        _db = (await _redis.ClientAsync()).GetDatabase();
    }

    [OneTimeTearDown]
    public async Task StopRedis() => await _redis.DisposeAsync();

    private static MetricCollector<long> Collect(Gateway node, string instrument) =>
        new(node.Im.Services.GetRequiredService<IMeterFactory>(), ImTelemetry.Name, instrument);

    private static IEnumerable<string> Tagged(MetricCollector<long> collector, params string[] tags) =>
        collector.GetMeasurementSnapshot().Select(m => string.Join("/", tags.Select(t => m.Tags[t]?.ToString())));

    private async Task<string?> OwnerField(ClusterSettings cluster, string deviceId, string field) =>
        (string?)await _db.HashGetAsync(cluster.KeyPrefix + "device:" + deviceId, field);

    [Test]
    public async Task Reconnecting_through_another_node_closes_the_old_session_1008_within_a_second()
    {
        var cluster = ClusterSettings.For(_redis);
        await using var a = await ClusterNode.StartAsync(cluster, "node-a");
        await using var b = await ClusterNode.StartAsync(cluster, "node-b");
        var deviceId = DeviceIds.NewMac();
        await using var first = await DeviceClient.ConnectAsync(a, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-a" });
        await first.HelloAsync();
        var upstreamA = await a.StubSessions.WaitForSessionAsync("s-a", TimeSpan.FromSeconds(5));
        using var claimsB = Collect(b, "xiaozhi.im.cluster.claims");
        using var kicksB = Collect(b, "xiaozhi.im.cluster.kicks");
        using var kicksA = Collect(a, "xiaozhi.im.cluster.kicks");

        var clock = Stopwatch.StartNew();
        await using var second = await DeviceClient.ConnectAsync(b, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-b" });
        var (status, reason) = await first.WaitForCloseAsync(TimeSpan.FromSeconds(1));
        clock.Stop();

        status.Should().Be(WebSocketCloseStatus.PolicyViolation);
        reason.Should().Be("replaced by a new connection for this device");
        TestContext.Out.WriteLine($"old session closed {clock.ElapsedMilliseconds} ms after the new upgrade began");
        await second.HelloAsync();
        (await second.ChatAsync("on node b")).SttText.Should().Be("on node b");
        await Eventually.Async(() => upstreamA.Completed.Should().BeTrue("node A ended the old session's ChatStream"));
        (await OwnerField(cluster, deviceId, "node_id")).Should().Be("node-b");
        (await OwnerField(cluster, deviceId, "session_id")).Should().Be("s-b");
        a.Holds(deviceId).Should().BeFalse();
        // What an operator sees of it: B's claim replaced a live owner, B sent a kick that A received and acted on.
        Tagged(claimsB, "outcome").Should().Equal("replaced");
        Tagged(kicksB, "direction", "result").Should().Equal("sent/delivered");
        Tagged(kicksA, "direction", "result").Should().Equal("received/closed");
    }

    [Test]
    public async Task A_second_attempt_that_fails_with_503_on_another_node_leaves_the_live_session_alone()
    {
        var cluster = ClusterSettings.For(_redis);
        await using var a = await ClusterNode.StartAsync(cluster, "node-a");
        // Node B's AI endpoint is down: every upgrade there ends in 503 after the claim was taken.
        await using var b = await Gateway.StartAsync(new GatewayOptions { ImArgs = cluster.Args("node-b"), AiEndpointOverride = new Uri($"http://127.0.0.1:{FreePort.Pick()}") });
        var presence = await PresenceRecorder.StartAsync(await _redis.ClientAsync(), cluster.KeyPrefix);
        var deviceId = DeviceIds.NewMac();
        await using var first = await DeviceClient.ConnectAsync(a, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-a" });
        await first.HelloAsync();
        await using var other = await DeviceClient.ConnectAsync(a, new DeviceConnectOptions { SessionId = "s-other" });
        using var kicksA = Collect(a, "xiaozhi.im.cluster.kicks");
        using var claimsB = Collect(b, "xiaozhi.im.cluster.claims");

        var refusal = await DeviceClient.ExpectRefusalAsync(b, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-b" });

        refusal.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await first.ChatAsync("still served by node a")).SttText.Should().Be("still served by node a");
        first.CloseStatus.Should().BeNull("nobody kicked the live session for an attempt that failed");
        (await OwnerField(cluster, deviceId, "session_id")).Should().Be("s-a");
        (await OwnerField(cluster, deviceId, "node_id")).Should().Be("node-a");
        a.Holds(deviceId).Should().BeTrue();
        Tagged(kicksA, "direction", "result").Should().BeEmpty("no kick was published for the failed attempt");
        Tagged(claimsB, "outcome").Should().BeEmpty("the failed attempt never wrote a claim");
        presence.For(deviceId).Should().NotContain(e => e.SessionId == "s-b", "a session that never started has no presence events");
        await other.HelloAsync();
        (await other.ChatAsync("another device on node a")).SttText.Should().Be("another device on node a");
    }

    [Test]
    public async Task Under_Reject_a_device_live_on_one_node_gets_409_on_another_and_keeps_its_session()
    {
        var cluster = ClusterSettings.For(_redis, "Reject");
        await using var a = await ClusterNode.StartAsync(cluster, "node-a");
        await using var b = await ClusterNode.StartAsync(cluster, "node-b");
        var deviceId = DeviceIds.NewMac();
        await using var first = await DeviceClient.ConnectAsync(a, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-a" });
        await first.HelloAsync();

        var refusal = await DeviceClient.ExpectRefusalAsync(b, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-b" });

        refusal.StatusCode.Should().Be(HttpStatusCode.Conflict);
        refusal.Body.Should().Be("this device already has a live connection");
        b.StubSessions.Sessions.Should().NotContain(s => s.SessionId == "s-b", "the 409 came before any ChatStream was opened");
        (await first.ChatAsync("still here")).SttText.Should().Be("still here");
        (await OwnerField(cluster, deviceId, "session_id")).Should().Be("s-a");
    }

    [Test]
    public async Task Twenty_simultaneous_upgrades_over_two_nodes_leave_one_session_the_one_Redis_names()
    {
        var cluster = ClusterSettings.For(_redis);
        await using var a = await ClusterNode.StartAsync(cluster, "node-a");
        await using var b = await ClusterNode.StartAsync(cluster, "node-b");
        var deviceId = DeviceIds.NewMac();

        var clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            DeviceClient.ConnectAsync(i % 2 == 0 ? a : b, new DeviceConnectOptions { DeviceId = deviceId, SessionId = $"s{i}" })));
        try
        {
            await Eventually.Async(() => clients.Count(c => c.CloseStatus is null).Should().Be(1), TimeSpan.FromSeconds(5));
            // Nothing else closes later (e.g. a refresh disagreeing with the kicks).
            await Task.Delay(cluster.RefreshInterval * 2);

            var open = clients.Where(c => c.CloseStatus is null).Should().ContainSingle().Subject;
            (await OwnerField(cluster, deviceId, "session_id")).Should().Be(open.Options.SessionId);
            clients.Where(c => c != open).Should().OnlyContain(c => c.CloseStatus == WebSocketCloseStatus.PolicyViolation);
            (a.Holds(deviceId) ? 1 : 0).Should().Be(1 - (b.Holds(deviceId) ? 1 : 0), "exactly one node holds the device");
            await open.HelloAsync();
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_late_release_keeps_the_new_owner_and_a_kick_for_the_old_session_leaves_the_new_one_open()
    {
        var cluster = ClusterSettings.For(_redis);
        await using var a = await ClusterNode.StartAsync(cluster, "node-a");
        await using var b = await ClusterNode.StartAsync(cluster, "node-b");
        var redis = await _redis.ClientAsync();
        var presence = await PresenceRecorder.StartAsync(redis, cluster.KeyPrefix);
        var deviceId = DeviceIds.NewMac();
        await using var first = await DeviceClient.ConnectAsync(a, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-old" });
        await first.HelloAsync();
        var oldClaim = await OwnerField(cluster, deviceId, "claim");

        await using var second = await DeviceClient.ConnectAsync(b, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s-new" });
        await first.WaitForCloseAsync(TimeSpan.FromSeconds(1));

        // Node A released s-old after node B owned the device: its compare-and-delete must leave B's key.
        await Eventually.Async(() => presence.For(deviceId).Should().Contain(e => e.Event == "offline" && e.SessionId == "s-old"));
        (await OwnerField(cluster, deviceId, "session_id")).Should().Be("s-new");
        (await OwnerField(cluster, deviceId, "node_id")).Should().Be("node-b");

        // A kick naming the old session (late, duplicated, or sent to the node that now has the new one) closes nothing.
        var kick = $$"""{"device_id":"{{deviceId}}","session_id":"s-old","claim":"{{oldClaim}}"}""";
        (await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(cluster.KeyPrefix + "node:node-b:control"), kick)).Should().Be(1);
        await second.HelloAsync();
        (await second.ChatAsync("new stays")).SttText.Should().Be("new stays");
        second.CloseStatus.Should().BeNull();

        // The same kick with the new session's claim does close it: the check is on the claim, not a blanket close.
        var newClaim = await OwnerField(cluster, deviceId, "claim");
        var current = $$"""{"device_id":"{{deviceId}}","session_id":"s-new","claim":"{{newClaim}}"}""";
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(cluster.KeyPrefix + "node:node-b:control"), current);
        (await second.WaitForCloseAsync(TimeSpan.FromSeconds(1))).Status.Should().Be(WebSocketCloseStatus.PolicyViolation);
    }

    [Test]
    public async Task Presence_events_for_connect_replace_and_disconnect_arrive_in_order()
    {
        var cluster = ClusterSettings.For(_redis);
        await using var a = await ClusterNode.StartAsync(cluster, "node-a");
        await using var b = await ClusterNode.StartAsync(cluster, "node-b");
        var presence = await PresenceRecorder.StartAsync(await _redis.ClientAsync(), cluster.KeyPrefix);
        var deviceId = DeviceIds.NewMac();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var first = await DeviceClient.ConnectAsync(a, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s1", ClientId = "client-1" });
        await first.HelloAsync();
        await using var second = await DeviceClient.ConnectAsync(b, new DeviceConnectOptions { DeviceId = deviceId, SessionId = "s2", ClientId = "client-1" });
        await first.WaitForCloseAsync(TimeSpan.FromSeconds(1));
        await first.DisposeAsync();
        await Eventually.Async(() => presence.For(deviceId).Should().HaveCount(3));
        await second.CloseAsync();

        await Eventually.Async(() => presence.For(deviceId).Select(e => e.ToString()).Should().Equal(
            "online s1@node-a", "online s2@node-b", "offline s1@node-a", "offline s2@node-b"));
        var events = presence.For(deviceId);
        events.Should().OnlyContain(e => e.ClientId == "client-1" && e.At >= before);
        events.Select(e => e.At).Should().BeInAscendingOrder();
        events[0].Fields.Should().Equal("event", "device_id", "client_id", "session_id", "node_id", "at");
        (await _db.KeyExistsAsync(cluster.KeyPrefix + "device:" + deviceId)).Should().BeFalse("the last release deleted the key (before its offline event)");
    }
}
