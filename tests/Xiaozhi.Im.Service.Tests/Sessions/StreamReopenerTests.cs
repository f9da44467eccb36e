using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Tests.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Sessions;

public class StreamReopenerTests
{
    private static readonly SessionMetadata Metadata = new("s-1", "aa:bb:cc:dd:ee:ff", "client-1", null, BinaryProtocolVersion.V1, "websocket", "127.0.0.1");
    private readonly FakeTimeProvider _time = new();
    private FakeStreamSource _source = null!;
    private TestMetrics _metrics = null!;

    // The deadline of the latest Reopener(...) made.
    private ResumePolicy _policy = null!;

    [SetUp]
    public void SetUp()
    {
        _source = new FakeStreamSource();
        _metrics = new TestMetrics();
    }

    [TearDown]
    public void TearDown()
    {
        _source.Dispose();
        _metrics.Dispose();
    }

    private StreamReopener Reopener(double backoffSeconds = 1, double timeoutSeconds = 10)
    {
        var options = new ResumeOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(backoffSeconds),
            MaxBackoff = TimeSpan.FromSeconds(backoffSeconds),
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        };
        _policy = new ResumePolicy(options, _time, _metrics.Metrics, NullLogger.Instance);
        return new(_source, options, _policy, _time, NullLogger.Instance);
    }

    private static Task<bool> Attached(AiChatStream stream, TimeSpan remaining, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>Advances the fake clock in steps, letting the reopener's continuations run, until <paramref name="task"/> ends.</summary>
    private async Task<T> AdvanceUntil<T>(Task<T> task, TimeSpan step, int maxSteps = 200)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
            _time.Advance(step);
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task After_a_lost_stream_the_first_attempt_waits_its_backoff()
    {
        var reopener = Reopener(backoffSeconds: 1);
        _policy.MoveStarted();

        var reopen = reopener.ReopenAsync(Metadata, immediate: false, Attached, CancellationToken.None);
        await Task.Delay(50);
        _source.Calls.Should().Be(0, "the backoff (0.5-1 s) has not passed on the fake clock");
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await reopen.WaitAsync(TimeSpan.FromSeconds(10));

        result.Stream.Should().BeSameAs(_source.Opened.Single().Stream);
        result.IsTimedOut.Should().BeFalse();
        _source.Calls.Should().Be(1);
    }

    [Test]
    public async Task A_move_opens_at_once_and_waits_only_before_a_retry()
    {
        var reopener = Reopener(backoffSeconds: 1);
        _policy.MoveStarted();
        _source.Next.Enqueue(null);

        var reopen = reopener.ReopenAsync(Metadata, immediate: true, Attached, CancellationToken.None);
        await Task.Delay(50);
        _source.Calls.Should().Be(1, "the first attempt does not wait");
        reopen.IsCompleted.Should().BeFalse("no endpoint: the retry waits its backoff");
        _time.Advance(TimeSpan.FromSeconds(1));

        (await reopen.WaitAsync(TimeSpan.FromSeconds(10))).Stream.Should().NotBeNull();
        _source.Calls.Should().Be(2);
    }

    [Test]
    public async Task An_endpoint_that_recovers_cuts_the_backoff_short()
    {
        var reopener = Reopener(backoffSeconds: 5);
        _policy.MoveStarted();

        var reopen = reopener.ReopenAsync(Metadata, immediate: false, Attached, CancellationToken.None);
        await Task.Delay(50);
        _source.SignalRecovered();

        (await reopen.WaitAsync(TimeSpan.FromSeconds(10))).Stream.Should().NotBeNull("the clock never moved: the recovery woke it");
    }

    [Test]
    public async Task Without_a_stream_before_the_deadline_it_times_out()
    {
        var reopener = Reopener(backoffSeconds: 1, timeoutSeconds: 3);
        _source.Serving = false;
        _policy.MoveStarted();
        var started = _time.GetTimestamp();

        var result = await AdvanceUntil(reopener.ReopenAsync(Metadata, immediate: false, Attached, CancellationToken.None), TimeSpan.FromMilliseconds(250));

        result.IsTimedOut.Should().BeTrue();
        result.Stream.Should().BeNull();
        _source.Calls.Should().BeGreaterThanOrEqualTo(2);
        _time.GetElapsedTime(started).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3)).And.BeLessThan(TimeSpan.FromSeconds(4));
    }

    [Test]
    public void A_stream_that_delivered_nothing_does_not_restart_the_clock()
    {
        var reopener = Reopener(timeoutSeconds: 10);
        _policy.Remaining.Should().Be(TimeSpan.Zero, "no deadline before the first resume");
        _policy.StreamLost(delivered: false);
        _policy.Remaining.Should().Be(TimeSpan.FromSeconds(10), "the first resume starts the clock");

        _time.Advance(TimeSpan.FromSeconds(4));
        _policy.StreamLost(delivered: false);
        _policy.Remaining.Should().Be(TimeSpan.FromSeconds(6));

        _policy.StreamLost(delivered: true);
        _policy.Remaining.Should().Be(TimeSpan.FromSeconds(10), "a stream that delivered responses restarts it");
    }

    [Test]
    public async Task A_stream_whose_attach_fails_is_disposed_and_the_next_one_tried()
    {
        var reopener = Reopener(backoffSeconds: 1);
        _policy.MoveStarted();
        var attaches = 0;

        var result = await AdvanceUntil(reopener.ReopenAsync(Metadata, immediate: true, (stream, remaining, ct) =>
        {
            remaining.Should().BePositive().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(10));
            return ++attaches == 1 ? Task.FromException<bool>(new RpcException(new Status(StatusCode.Unavailable, "refused"))) : Task.FromResult(true);
        }, CancellationToken.None), TimeSpan.FromMilliseconds(250));

        var opened = _source.Opened.ToArray();
        opened.Should().HaveCount(2);
        opened[0].Disposed.Should().BeTrue();
        opened[1].Disposed.Should().BeFalse();
        result.Stream.Should().BeSameAs(opened[1].Stream);
    }

    [Test]
    public async Task An_attach_that_gives_up_ends_without_a_stream_and_without_a_timeout()
    {
        var reopener = Reopener();
        _policy.MoveStarted();

        var result = await reopener.ReopenAsync(Metadata, immediate: true, (_, _, _) => Task.FromResult(false), CancellationToken.None);

        result.Should().Be(ReopenResult.GaveUp);
        _source.Opened.Single().Disposed.Should().BeTrue();
    }

    [Test]
    public async Task Cancelling_ends_the_wait_without_a_timeout()
    {
        var reopener = Reopener(backoffSeconds: 5);
        _policy.MoveStarted();
        using var cancel = new CancellationTokenSource();

        var reopen = reopener.ReopenAsync(Metadata, immediate: false, Attached, cancel.Token);
        await cancel.CancelAsync();

        (await reopen.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be(ReopenResult.GaveUp);
        _source.Calls.Should().Be(0);
    }
}
