using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

public sealed class PendingReleasesTests
{
    private static OwnedSession Owned(string sessionId) => new("aa:bb:cc:dd:ee:ff", sessionId, "client", "claim-" + sessionId, 0);

    [Test]
    public void Taking_empties_the_queue_in_order()
    {
        var pending = new PendingReleases();
        var first = Owned("s-1");
        var second = Owned("s-2");
        pending.Add(first);
        pending.Add(second);

        pending.TakeAll().Should().Equal(first, second);
        pending.TakeAll().Should().BeEmpty("each release is retried by one refresh only");
    }

    [Test]
    public void Restored_releases_wait_for_the_next_refresh_beside_new_ones()
    {
        var pending = new PendingReleases();
        var failed = Owned("s-1");
        pending.Add(failed);
        var taken = pending.TakeAll();
        var arrived = Owned("s-2");
        pending.Add(arrived);

        pending.Restore(taken);

        pending.TakeAll().Should().BeEquivalentTo([arrived, failed]);
    }
}
