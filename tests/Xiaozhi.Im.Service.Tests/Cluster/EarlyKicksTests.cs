using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

public sealed class EarlyKicksTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public void A_remembered_kick_is_taken_once_and_only_for_its_claim()
    {
        var kicks = new EarlyKicks(_clock);
        kicks.Remember("claim-1");

        kicks.Take("claim-2").Should().BeFalse("another connection's claim was never kicked");
        kicks.Take("claim-1").Should().BeTrue();
        kicks.Take("claim-1").Should().BeFalse("the kick is used up");
    }

    [Test]
    public void A_kick_is_kept_for_its_memory_and_forgotten_after_it()
    {
        var kicks = new EarlyKicks(_clock);
        kicks.Remember("old");
        _clock.Advance(EarlyKicks.Memory);
        kicks.Remember("new");

        kicks.ForgetExpired();
        kicks.Count.Should().Be(2, "a kick exactly as old as the memory is still kept");

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        kicks.ForgetExpired();

        kicks.Take("old").Should().BeFalse();
        kicks.Take("new").Should().BeTrue();
    }
}
