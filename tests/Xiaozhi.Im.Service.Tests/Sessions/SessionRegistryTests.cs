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
