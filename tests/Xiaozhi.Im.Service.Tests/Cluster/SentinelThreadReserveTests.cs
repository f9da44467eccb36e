using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

[NonParallelizable]
public sealed class SentinelThreadReserveTests
{
    [Test]
    public void A_reserve_raises_the_pool_minimum_while_held_and_gives_it_back()
    {
        ThreadPool.GetMinThreads(out var before, out var completionBefore);

        using (SentinelThreadReserve.Take(SentinelThreadReserve.For(sentinels: 3)))
        {
            ThreadPool.GetMinThreads(out var held, out var completion);
            held.Should().Be(before + 16, "three sentinels: the timer's and three message handlers, each waiting on three lookups");
            completion.Should().Be(completionBefore);
        }

        ThreadPool.GetMinThreads(out var after, out _);
        after.Should().Be(before);
    }

    [Test]
    public void Two_nodes_in_one_process_each_add_their_reserve()
    {
        ThreadPool.GetMinThreads(out var before, out _);

        using var a = SentinelThreadReserve.Take(4);
        using var b = SentinelThreadReserve.Take(4);

        ThreadPool.GetMinThreads(out var held, out _);
        held.Should().Be(before + 8);
    }
}
