using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Tests.Sessions;

public class SessionRegistryTests
{
    private sealed class FakeSession(string deviceId, string sessionId) : IDeviceSession
    {
        public string DeviceId { get; } = deviceId;

        public string SessionId { get; } = sessionId;

        public List<DeviceClose> Closes { get; } = [];

        public Task CloseAsync(DeviceClose close)
        {
            Closes.Add(close);
            return Task.CompletedTask;
        }
    }

    [Test]
    public void Replace_swaps_the_old_session_out()
    {
        var registry = new SessionRegistry();
        var first = new FakeSession("d", "1");
        var second = new FakeSession("d", "2");

        registry.Register(first, DuplicateDevicePolicy.Replace).Should().Be(new SessionRegistration(true, null));
        registry.Register(second, DuplicateDevicePolicy.Replace).Should().Be(new SessionRegistration(true, first));
        registry.Find("d").Should().BeSameAs(second);

        registry.Unregister(first).Should().BeFalse("a replaced session must not remove its successor");
        registry.Find("d").Should().BeSameAs(second);
        registry.Unregister(second).Should().BeTrue();
        registry.Count.Should().Be(0);
    }

    [Test]
    public void Reject_keeps_the_old_session()
    {
        var registry = new SessionRegistry();
        var first = new FakeSession("d", "1");
        registry.Register(first, DuplicateDevicePolicy.Reject).Accepted.Should().BeTrue();
        registry.Register(new FakeSession("d", "2"), DuplicateDevicePolicy.Reject).Should().Be(new SessionRegistration(false, null));
        registry.Find("d").Should().BeSameAs(first);
        registry.IsConnected("d").Should().BeTrue();
    }

    [Test]
    public async Task Under_Reject_a_claim_holds_the_device_until_its_session_registers()
    {
        var registry = new SessionRegistry();
        var first = await registry.ClaimAsync("d", "1", "c", DuplicateDevicePolicy.Reject, CancellationToken.None);
        first.Accepted.Should().BeTrue();

        var second = await registry.ClaimAsync("d", "2", "c", DuplicateDevicePolicy.Reject, CancellationToken.None);
        second.Accepted.Should().BeFalse("the first connection is being set up");
        second.AnotherConnecting.Should().BeTrue();
        (await registry.ClaimAsync("e", "3", "c", DuplicateDevicePolicy.Reject, CancellationToken.None)).Accepted.Should().BeTrue("another device is not held");

        registry.Register(new FakeSession("d", "1"), DuplicateDevicePolicy.Reject, first).Accepted.Should().BeTrue();
        var third = await registry.ClaimAsync("d", "4", "c", DuplicateDevicePolicy.Reject, CancellationToken.None);
        third.Accepted.Should().BeFalse("the device is live");
        third.AnotherConnecting.Should().BeFalse();
    }

    [Test]
    public async Task A_claim_given_up_frees_the_device_and_a_stale_one_frees_nothing()
    {
        var registry = new SessionRegistry();
        var abandoned = await registry.ClaimAsync("d", "1", "c", DuplicateDevicePolicy.Reject, CancellationToken.None);
        abandoned.Dispose();

        var next = await registry.ClaimAsync("d", "2", "c", DuplicateDevicePolicy.Reject, CancellationToken.None);
        next.Accepted.Should().BeTrue("the claim of a connection that never became a session is given up");
        abandoned.Dispose();
        (await registry.ClaimAsync("d", "3", "c", DuplicateDevicePolicy.Reject, CancellationToken.None)).AnotherConnecting
            .Should().BeTrue("disposing an old claim again must not free the device another connection holds");
    }

    [Test]
    public async Task Under_Replace_claims_do_not_hold_the_device()
    {
        var registry = new SessionRegistry();
        (await registry.ClaimAsync("d", "1", "c", DuplicateDevicePolicy.Replace, CancellationToken.None)).Accepted.Should().BeTrue();
        (await registry.ClaimAsync("d", "2", "c", DuplicateDevicePolicy.Replace, CancellationToken.None)).Accepted.Should().BeTrue();
    }

    [Test]
    public void Devices_are_independent_and_ids_exact()
    {
        var registry = new SessionRegistry();
        registry.Register(new FakeSession("aa", "1"), DuplicateDevicePolicy.Reject).Accepted.Should().BeTrue();
        registry.Register(new FakeSession("AA", "2"), DuplicateDevicePolicy.Reject).Accepted.Should().BeTrue();
        registry.Snapshot().Should().HaveCount(2);
    }

    [Test]
    public async Task Concurrent_replacements_leave_exactly_one_live_session()
    {
        var registry = new SessionRegistry();
        var sessions = Enumerable.Range(0, 200).Select(i => new FakeSession("d", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var replaced = new System.Collections.Concurrent.ConcurrentBag<IDeviceSession>();
        await Task.WhenAll(sessions.Select(s => Task.Run(() =>
        {
            if (registry.Register(s, DuplicateDevicePolicy.Replace).Replaced is { } old)
            {
                replaced.Add(old);
            }
        })));

        registry.Count.Should().Be(1);
        replaced.Should().HaveCount(199).And.OnlyHaveUniqueItems().And.NotContain(registry.Find("d")!);
    }
}
