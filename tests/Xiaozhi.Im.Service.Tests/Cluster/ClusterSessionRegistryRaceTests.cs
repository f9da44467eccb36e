using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>
/// The races the end-to-end tests on a real Redis cannot produce on demand, on two nodes sharing an in-memory Redis
/// with the scripts' semantics and a fake clock.
/// </summary>
public sealed class ClusterSessionRegistryRaceTests
{
    private const string Device = "aa:bb:cc:dd:ee:ff";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private InMemoryRedis _redis = null!;
    private ClusterTestNode _a = null!;
    private ClusterTestNode _b = null!;

    [SetUp]
    public void StartNodes()
    {
        _redis = new InMemoryRedis(_clock);
        _a = new ClusterTestNode(_redis, "node-a", _clock);
        _b = new ClusterTestNode(_redis, "node-b", _clock);
    }

    [TearDown]
    public void StopNodes()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Test]
    public async Task A_kick_that_arrives_before_its_session_registered_closes_it_at_registration()
    {
        // Node A wrote its claim (its stream is open) but has not registered the session yet when B takes the device.
        using var claimA = await _a.Registry.ClaimAsync(Device, "s-a", "client", DuplicateDevicePolicy.Replace, CancellationToken.None);
        (await claimA.ConfirmAsync(CancellationToken.None)).Should().BeTrue();
        var onB = await _b.ConnectAsync(Device, "s-b");

        var onA = new RecordingSession(Device, "s-a");
        _a.Registry.Register(onA, DuplicateDevicePolicy.Replace, claimA).Accepted.Should().BeTrue();

        onA.Closes.Should().Equal(DeviceCloseReasons.Replaced);
        onB.Closes.Should().BeEmpty();
        _redis.Devices[Device].SessionId.Should().Be("s-b");
    }

    [Test]
    public async Task Under_Reject_a_claim_made_after_the_check_wins_and_the_later_confirm_is_refused()
    {
        var claimA = await _a.Registry.ClaimAsync(Device, "s-a", "client", DuplicateDevicePolicy.Reject, CancellationToken.None);
        claimA.Accepted.Should().BeTrue("nobody owned the device at the check");
        var onB = await _b.ConnectAsync(Device, "s-b", DuplicateDevicePolicy.Reject);

        (await claimA.ConfirmAsync(CancellationToken.None)).Should().BeFalse("the endpoint answers 409");
        claimA.Dispose();

        _redis.Devices[Device].SessionId.Should().Be("s-b");
        _redis.Presence.Should().NotContain(e => e.Contains("s-a", StringComparison.Ordinal), "a refused attempt never went online nor offline");
        onB.Closes.Should().BeEmpty();
    }

    [Test]
    public async Task A_release_lost_while_Redis_was_down_is_made_by_the_refresh_after_it_came_back()
    {
        var session = await _a.ConnectAsync(Device, "s-a");
        var bystander = await _a.ConnectAsync("11:22:33:44:55:66", "s-other");
        _redis.Up = false;
        await _a.Registry.RefreshAsync();
        _a.Store.IsUp.Should().BeFalse();

        _a.Registry.Unregister(session);
        _redis.Devices.Should().ContainKey(Device, "the release could not reach Redis");

        _redis.Up = true;
        await _a.Registry.RefreshAsync();

        _redis.Devices.Should().NotContainKey(Device);
        _redis.NodeDevices["node-a"].Should().NotContain(Device);
        _redis.Presence.Should().Contain(e => e.Contains("\"offline\"", StringComparison.Ordinal) && e.Contains("s-a", StringComparison.Ordinal));
        _redis.Devices["11:22:33:44:55:66"].SessionId.Should().Be("s-other");
        bystander.Closes.Should().BeEmpty();
    }

    [Test]
    public async Task A_refresh_that_meets_a_newer_claim_closes_the_local_session_whose_kick_was_lost()
    {
        var onA = await _a.ConnectAsync(Device, "s-a");
        var bystander = await _a.ConnectAsync("11:22:33:44:55:66", "s-other");
        _redis.LoseKicks = true;
        _clock.Advance(TimeSpan.FromSeconds(1));
        var onB = await _b.ConnectAsync(Device, "s-b");
        onA.Closes.Should().BeEmpty("the kick was lost");

        await _a.Registry.RefreshAsync();

        onA.Closes.Should().Equal(DeviceCloseReasons.Replaced);
        onB.Closes.Should().BeEmpty();
        bystander.Closes.Should().BeEmpty();
        _redis.Devices[Device].SessionId.Should().Be("s-b", "the refresh does not take the key back from a newer owner");
    }

    [TestCase(true, TestName = "An outage's duplicate is repaired: newest wins (older node refreshes first)")]
    [TestCase(false, TestName = "An outage's duplicate is repaired: newest wins (newer node refreshes first)")]
    public async Task An_outage_and_its_repair_leave_the_newest_connection(bool olderRefreshesFirst)
    {
        var bystander = await _a.ConnectAsync("11:22:33:44:55:66", "s-other");
        _redis.Up = false;
        await _a.Registry.RefreshAsync();
        await _b.Registry.RefreshAsync();
        _redis.Devices.Clear(); // Redis comes back empty, as after a restart without persistence.

        var older = await _a.ConnectAsync(Device, "s-older");
        _clock.Advance(TimeSpan.FromSeconds(2));
        var newer = await _b.ConnectAsync(Device, "s-newer");
        older.Closes.Should().BeEmpty();
        newer.Closes.Should().BeEmpty();

        _redis.Up = true;
        var first = olderRefreshesFirst ? _a : _b;
        var second = olderRefreshesFirst ? _b : _a;
        await first.Registry.RefreshAsync();
        await second.Registry.RefreshAsync();

        older.Closes.Should().Equal(DeviceCloseReasons.Replaced);
        newer.Closes.Should().BeEmpty();
        _redis.Devices[Device].SessionId.Should().Be("s-newer");
        _redis.Devices["11:22:33:44:55:66"].SessionId.Should().Be("s-other", "the refresh re-created the bystander's key");
        bystander.Closes.Should().BeEmpty();

        // Nothing flips on later refreshes.
        await _a.Registry.RefreshAsync();
        await _b.Registry.RefreshAsync();
        newer.Closes.Should().BeEmpty();
        _redis.Devices[Device].SessionId.Should().Be("s-newer");
    }
}
