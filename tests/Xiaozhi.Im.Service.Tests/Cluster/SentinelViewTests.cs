using System.Net;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>Which Redis primary a node follows through Sentinel, and when it moves.</summary>
public sealed class SentinelViewTests
{
    private static readonly EndPoint Old = new IPEndPoint(IPAddress.Loopback, 6379);
    private static readonly EndPoint Promoted = new IPEndPoint(IPAddress.Loopback, 6380);

    [Test]
    public void The_primary_named_with_the_newest_configuration_epoch_wins_over_sentinels_that_have_not_heard_of_the_failover()
    {
        // The sentinel that led the failover knows first; the other two still name the old primary for up to 2 s.
        SentinelView.Newest([new SentinelView(Old, 3), new SentinelView(Promoted, 4), new SentinelView(Old, 3)]).Should().Be(Promoted);
        SentinelView.Newest([new SentinelView(Promoted, 4), new SentinelView(Old, 3)]).Should().Be(Promoted);
    }

    [Test]
    public void No_answer_names_no_primary_and_the_node_asks_again()
    {
        SentinelView.Newest([null, null]).Should().BeNull();
        SentinelView.Newest([null, new SentinelView(Old, 1)]).Should().Be(Old);
        SentinelView.Next(named: null, current: Old, currentIsPrimary: true).Should().Be(PrimaryMove.Wait);
    }

    [Test]
    public void The_node_moves_when_the_sentinels_name_another_primary_even_if_its_own_answers_as_a_primary()
    {
        // An old primary back on its port, empty, is a primary until Sentinel converts it: it must not keep the node.
        SentinelView.Next(named: Promoted, current: Old, currentIsPrimary: true).Should().Be(PrimaryMove.Switch);
        SentinelView.Next(named: Promoted, current: null, currentIsPrimary: false).Should().Be(PrimaryMove.Switch);
    }

    [Test]
    public void On_the_named_primary_the_node_settles_only_once_it_is_reachable_as_a_primary()
    {
        SentinelView.Next(named: Promoted, current: new IPEndPoint(IPAddress.Loopback, 6380), currentIsPrimary: true).Should().Be(PrimaryMove.Settled);
        SentinelView.Next(named: Old, current: Old, currentIsPrimary: false).Should().Be(PrimaryMove.Wait, "the primary is down and no failover has ended yet");
    }
}
