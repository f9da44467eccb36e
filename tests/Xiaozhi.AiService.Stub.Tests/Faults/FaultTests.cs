using System.Diagnostics;
using Grpc.Core;
using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Faults;

public sealed class FaultTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [TearDown]
    public void Reset()
    {
        _host.Faults.ResponseDelay = TimeSpan.Zero;
        _host.Faults.RefuseNewStreams = false;
        _host.Faults.FailStreamsAfterMessages = null;
        _host.Faults.Draining = false;
    }

    [Test]
    public async Task Response_delay_delays_every_response()
    {
        await using var stream = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(stream);
        _host.Faults.ResponseDelay = TimeSpan.FromMilliseconds(300);
        var watch = Stopwatch.StartNew();
        await VoiceTurnTests.PingBarrierAsync(stream);
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280));
        _host.Faults.ResponseDelay = TimeSpan.Zero;
        watch.Restart();
        await VoiceTurnTests.PingBarrierAsync(stream);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(280));
    }

    [Test]
    public async Task Refused_streams_fail_with_unavailable_and_open_streams_go_on()
    {
        await using var open = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(open);
        _host.Faults.RefuseNewStreams = true;
        await using (var refused = _host.Open())
        {
            var error = await refused.ExpectEndAsync();
            error.StatusCode.Should().Be(StatusCode.Unavailable);
        }

        await VoiceTurnTests.PingBarrierAsync(open);
        _host.Faults.RefuseNewStreams = false;
        await using var again = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(again);
    }

    [Test]
    public async Task A_stream_fails_when_it_receives_its_Nth_message()
    {
        _host.Faults.FailStreamsAfterMessages = 3;
        await using var stream = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(stream);
        await VoiceTurnTests.PingBarrierAsync(stream);
        await stream.SendTextAsync("third");
        var error = await stream.ExpectEndAsync();
        error.StatusCode.Should().Be(StatusCode.Internal);
        error.Status.Detail.Should().Contain("3 messages");
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(1));
        session.Requests.Should().HaveCount(3);
    }

    [Test]
    public async Task Drop_all_streams_ends_every_open_stream_at_once()
    {
        await using var first = _host.Open();
        await using var second = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(first);
        await VoiceTurnTests.PingBarrierAsync(second);

        _host.Faults.DropAllStreams();
        (await first.ExpectEndAsync()).StatusCode.Should().Be(StatusCode.Unavailable);
        (await second.ExpectEndAsync()).StatusCode.Should().Be(StatusCode.Unavailable);

        await using var after = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(after);
    }

    [Test]
    public async Task Abort_all_connections_ends_every_open_stream_unavailable_and_new_calls_reconnect()
    {
        await using var first = _host.Open();
        await using var second = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(first);
        await VoiceTurnTests.PingBarrierAsync(second);
        var before = _host.ConnectionsOpened;

        _host.Faults.AbortAllConnections();
        (await first.ExpectEndAsync()).StatusCode.Should().Be(StatusCode.Unavailable);
        (await second.ExpectEndAsync()).StatusCode.Should().Be(StatusCode.Unavailable);

        await using var after = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(after);
        _host.ConnectionsOpened.Should().BeGreaterThan(before, "the aborted connection is gone: a new call dials again");
    }

    [Test]
    public async Task Error_on_demand_reaches_one_session_or_all()
    {
        await using var first = _host.Open();
        await using var second = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(first);
        await VoiceTurnTests.PingBarrierAsync(second);

        await _host.Faults.SendErrorAsync(first.SessionId, "quota_exceeded", "try later");
        var error = await first.NextErrorAsync();
        error.Should().Be(new AiErrorPayload("quota_exceeded", "try later"));
        await second.ExpectNothingAsync();

        await _host.Faults.SendErrorAsync(null, "maintenance", "going down");
        (await first.NextErrorAsync()).ErrorCode.Should().Be("maintenance");
        (await second.NextErrorAsync()).ErrorCode.Should().Be("maintenance");
        await VoiceTurnTests.PingBarrierAsync(first);
    }

    [Test]
    public async Task Initial_fault_values_come_from_configuration()
    {
        await using var host = await StubHost.StartAsync(
        [
            "--Stub:Faults:ResponseDelayMs", "25",
            "--Stub:Faults:RefuseNewStreams", "true",
            "--Stub:Faults:FailStreamAfterMessages", "4",
        ]);
        host.Faults.ResponseDelay.Should().Be(TimeSpan.FromMilliseconds(25));
        host.Faults.RefuseNewStreams.Should().BeTrue();
        host.Faults.FailStreamsAfterMessages.Should().Be(4);
        await using var refused = host.Open();
        (await refused.ExpectEndAsync()).StatusCode.Should().Be(StatusCode.Unavailable);
    }

    [Test]
    public async Task GoAway_now_moves_new_calls_to_a_new_connection_and_open_streams_go_on()
    {
        await using var stream = _host.Open();
        await VoiceTurnTests.PingBarrierAsync(stream);
        var before = _host.ConnectionsOpened;

        _host.Faults.GoAwayAllConnections();
        await Eventually.TrueAsync(
            () =>
            {
                _host.Client.HealthCheck(new HealthCheckRequest());
                return _host.ConnectionsOpened > before;
            },
            "a call after the GOAWAY opens a new connection");
        await VoiceTurnTests.PingBarrierAsync(stream);
    }
}
