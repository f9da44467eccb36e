using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Cluster;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>The node's own life in the cluster (heartbeat, outage, twin check, leaving) on the in-memory Redis and a fake clock.</summary>
public sealed class ClusterNodeServiceTests
{
    private const string Device = "aa:bb:cc:dd:ee:ff";
    private static readonly TimeSpan Beat = new ClusterOptions().HeartbeatInterval;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly List<ClusterTestNode> _nodes = [];
    private readonly List<ClusterNodeService> _running = [];
    private InMemoryRedis _redis = null!;

    [SetUp]
    public void StartRedis() => _redis = new InMemoryRedis(_clock);

    [TearDown]
    public async Task StopNodes()
    {
        foreach (var service in _running)
        {
            await StopAsync(service);
        }

        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    [Test]
    public async Task The_heartbeat_keeps_the_node_key_alive_with_its_fields()
    {
        var (node, service) = Node("node-a");
        await StartAsync(service);
        var first = _redis.NodeKeyOf("node-a");
        first.Should().NotBeNull("the first beat is written before the first device is admitted");
        first!.Fields.Should().Contain("state", "serving").And.Contain("sessions", "0").And.Contain("device_url", "ws://127.0.0.1:8000");
        await node.ConnectAsync(Device, "s-a");

        // Four beats: longer than the node key's TTL (three beats), so only the heartbeat keeps it alive.
        var beats = new HashSet<long>();
        await RunClockAsync(Beat * 4, () =>
        {
            var live = _redis.NodeKeyOf("node-a");
            live.Should().NotBeNull("the key never expires while the node beats");
            beats.Add(live!.BeatAtUnixMs);
        });

        beats.Count.Should().BeGreaterThanOrEqualTo(4);
        var key = _redis.NodeKeyOf("node-a")!;
        key.Instance.Should().Be(first.Instance);
        key.ExpiresAtUnixMs.Should().Be(key.BeatAtUnixMs + (long)(Beat * 3).TotalMilliseconds);
        key.Fields.Should().Contain("sessions", "1");
    }

    [Test]
    public async Task After_an_outage_the_node_key_and_the_device_keys_are_rewritten_at_once()
    {
        var (node, service) = Node("node-a");
        await StartAsync(service);
        var session = await node.ConnectAsync(Device, "s-a");
        var bystander = await node.ConnectAsync("11:22:33:44:55:66", "s-other");

        _redis.Up = false;
        await RunClockAsync(Beat * 1.5);
        node.Store.IsUp.Should().BeFalse("the beat failed");

        // Redis comes back empty, as after a restart without persistence.
        _redis.Nodes.Clear();
        _redis.Devices.Clear();
        _redis.Up = true;
        await RunClockAsync(Beat * 1.5);

        _redis.NodeKeyOf("node-a").Should().NotBeNull("the next beat rewrites the node key");
        _redis.Devices.Should().ContainKey(Device, "the first answer triggers the re-claim, not the 30 s refresh");
        _redis.Devices.Should().ContainKey("11:22:33:44:55:66");
        _redis.Devices[Device].SessionId.Should().Be("s-a");
        session.Closes.Should().BeEmpty();
        bystander.Closes.Should().BeEmpty();
    }

    [Test]
    public async Task A_second_node_with_a_live_node_id_is_refused_and_the_first_keeps_its_key()
    {
        var (_, first) = Node("node-a");
        await StartAsync(first);
        var instance = _redis.NodeKeyOf("node-a")!.Instance;
        var (_, twin) = Node("node-a");

        var starting = twin.StartAsync(CancellationToken.None);
        await RunClockAsync(Beat * 2, () => starting.IsCompleted.Should().BeFalse(), until: () => starting.IsCompleted);

        var refusal = await starting.Invoking(async t => await t).Should().ThrowAsync<OptionsValidationException>();
        refusal.Which.Message.Should().Contain("Cluster:NodeId 'node-a' is in use by a live node");
        _redis.NodeKeyOf("node-a")!.Instance.Should().Be(instance, "the refused twin never beat");
    }

    [Test]
    public async Task A_node_key_left_by_a_crash_stops_beating_and_the_restarted_node_starts()
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        _redis.Nodes["node-a"] = new NodeKey("crashed", now, now + (long)(Beat * 3).TotalMilliseconds, new Dictionary<string, string>());
        var (_, restarted) = Node("node-a");

        var starting = restarted.StartAsync(CancellationToken.None);
        await RunClockAsync(Beat * 2, until: () => starting.IsCompleted);
        await starting;
        _running.Add(restarted);

        _redis.NodeKeyOf("node-a")!.Instance.Should().NotBe("crashed");
    }

    [Test]
    public async Task A_node_that_stops_removes_its_node_key()
    {
        var (_, service) = Node("node-a");
        var (_, other) = Node("node-b");
        await StartAsync(service);
        await StartAsync(other);
        _redis.NodeKeyOf("node-a").Should().NotBeNull();

        _running.Remove(service);
        await StopAsync(service);

        _redis.NodeKeyOf("node-a").Should().BeNull("a clean stop leaves no node key to wait for");
        _redis.NodeKeyOf("node-b").Should().NotBeNull();
    }

    private (ClusterTestNode Node, ClusterNodeService Service) Node(string nodeId)
    {
        var node = new ClusterTestNode(_redis, nodeId, _clock);
        _nodes.Add(node);
        var service = new ClusterNodeService(
            node.Store,
            node.Registry,
            node.Local,
            new GatewayDrain(),
            new ListeningServer("http://127.0.0.1:8000"),
            Options.Create(new ClusterOptions { Redis = "in-memory", NodeId = nodeId }),
            _clock,
            NullLogger<ClusterNodeService>.Instance);
        return (node, service);
    }

    /// <summary>
    /// Moves the fake clock by <paramref name="span"/> in 100 ms steps, letting the node's loop run between them (it
    /// runs on the pool, so a single jump could pass a timer it had not created yet); checks <paramref name="each"/>
    /// after every step and stops early once <paramref name="until"/> holds.
    /// </summary>
    private async Task RunClockAsync(TimeSpan span, Action? each = null, Func<bool>? until = null)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var moved = TimeSpan.Zero; moved < span && until?.Invoke() != true; moved += step)
        {
            _clock.Advance(step);
            await Task.Delay(5);
            if (until?.Invoke() != true)
            {
                each?.Invoke();
            }
        }
    }

    /// <summary>Stops a node while its clock runs (the stop waits up to 2 s of it for the sessions' releases).</summary>
    private async Task StopAsync(ClusterNodeService service)
    {
        var stopping = service.StopAsync(CancellationToken.None);
        await RunClockAsync(TimeSpan.FromSeconds(5), until: () => stopping.IsCompleted);
        await stopping;
        service.Dispose();
    }

    private async Task StartAsync(ClusterNodeService service)
    {
        await service.StartAsync(CancellationToken.None);
        _running.Add(service);
    }
}
