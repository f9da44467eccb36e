using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xiaozhi.Im.Service.Cluster;

namespace Xiaozhi.Im.Service.Tests.Cluster;

/// <summary>What the node's connection to the Redis primary says about Redis: down and up, once per change.</summary>
public sealed class RedisPrimaryLinkTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private FakeTimeProvider _clock = null!;
    private FakeLogger<RedisPrimaryLink> _logger = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeTimeProvider(Start);
        _logger = new FakeLogger<RedisPrimaryLink>();
    }

    private RedisPrimaryLink Link(string redis = "127.0.0.1:6379") => new(redis, "node-a", "im:ctl:node-a", _clock, _logger);

    private IEnumerable<int> EventIds() => _logger.Collector.GetSnapshot().Select(r => r.Id.Id);

    [Test]
    public async Task A_command_before_any_primary_is_known_fails_with_a_reason_and_the_store_reads_down()
    {
        await using var link = Link();
        _clock.Advance(TimeSpan.FromSeconds(3));
        var run = () => link.RunAsync(_ => Task.FromResult(1));

        await run.Should().ThrowAsync<RedisException>().WithMessage("no sentinel has named a Redis primary yet");
        link.IsUp.Should().BeFalse();
        link.Describe().Should().Be($"cluster node node-a: store down since {Start:O} (not connected yet); admitting devices on this node's own knowledge");
    }

    [Test]
    public async Task Repeated_failures_warn_once_and_keep_the_time_of_the_first_while_naming_the_latest_problem()
    {
        await using var link = Link();
        link.MarkDown("first");
        _clock.Advance(TimeSpan.FromSeconds(5));
        link.MarkDown("second");

        EventIds().Should().Equal(8001);
        link.Describe().Should().Contain($"store down since {Start:O} (second)");
    }

    [Test]
    public async Task The_first_answer_after_a_failure_marks_the_store_up_and_raises_Restored_once()
    {
        // Nothing listens on port 1: the connection fails (down), yet a command that needs no answer from Redis succeeds.
        await using var link = Link("127.0.0.1:1,connectTimeout=500");
        var restored = 0;
        var restoredOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Restored += () =>
        {
            Interlocked.Increment(ref restored);
            restoredOnce.TrySetResult();
        };
        await link.ConnectAsync();
        link.IsUp.Should().BeFalse();

        (await link.RunAsync(_ => Task.FromResult(42))).Should().Be(42);
        (await link.RunAsync(_ => Task.FromResult(43))).Should().Be(43);

        await restoredOnce.Task.WaitAsync(TimeSpan.FromSeconds(10));
        EventIds().Should().StartWith([8001, 8002]).And.ContainSingle(id => id == 8002, "the second answer changes nothing");
        restored.Should().Be(1);
    }
}
