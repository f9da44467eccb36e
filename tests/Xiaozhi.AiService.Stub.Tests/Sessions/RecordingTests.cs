using Grpc.Core;
using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Sessions;

public sealed class RecordingTests
{
    private StubHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _host = await StubHost.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task A_stream_is_recorded_before_its_response_headers_reach_the_client()
    {
        // A client that saw the headers (the IM's resume confirmation) may read the record at once: it must be there.
        // The window was microseconds wide, so many streams are opened to see it.
        for (var i = 0; i < 300; i++)
        {
            await using var stream = _host.Open();
            await stream.ResponseHeadersAsync;
            _host.Sessions.TryGet(stream.SessionId, out _).Should().BeTrue("stream {0} answered with its headers", i);
        }
    }

    [Test]
    public async Task Metadata_headers_and_every_request_are_recorded()
    {
        var extra = new Metadata { { SessionMetadataHeaders.UserId, "42" }, { SessionMetadataHeaders.TransportType, "websocket" }, { "x-unrelated", "no" } };
        await using var stream = _host.Open(extraHeaders: extra);
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        session.Metadata.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            [SessionMetadataHeaders.DeviceId] = stream.Identity.DeviceId,
            [SessionMetadataHeaders.ClientId] = stream.Identity.ClientId,
            [SessionMetadataHeaders.SessionId] = stream.SessionId,
            [SessionMetadataHeaders.ProtocolVersion] = "1",
            [SessionMetadataHeaders.UserId] = "42",
            [SessionMetadataHeaders.TransportType] = "websocket",
        });

        var hello = """{"type":"hello","features":{"mcp":false}}""";
        await stream.SendAsync(ChatRequests.Text(stream.Identity, hello, 1_700_000_000_123));
        await stream.NextJsonAsync("hello");
        await stream.SendAsync(ChatRequests.Binary(stream.Identity, new byte[] { 1, 2, 3, 4, 5 }, 1_700_000_000_456));
        await VoiceTurnTests.PingBarrierAsync(stream);

        var requests = session.Requests;
        requests.Should().HaveCount(3);
        requests[0].Should().BeEquivalentTo(new
        {
            Kind = ChatFrameKind.Text,
            Size = hello.Length,
            SessionId = stream.SessionId,
            DeviceId = stream.Identity.DeviceId,
            ClientId = stream.Identity.ClientId,
            Timestamp = 1_700_000_000_123L,
            JsonType = "hello",
        });
        requests[1].Kind.Should().Be(ChatFrameKind.Binary);
        requests[1].Size.Should().Be(5);
        requests[1].Timestamp.Should().Be(1_700_000_000_456L);
        requests[1].JsonType.Should().BeNull();
        requests[1].Data.ToArray().Should().Equal(1, 2, 3, 4, 5);
        requests[2].JsonType.Should().BeNull("a non-JSON ping has no type");
        session.Completed.Should().BeFalse();
    }

    [Test]
    public async Task Without_headers_the_session_id_comes_from_the_first_request()
    {
        await using var stream = _host.Open(sendHeaders: false);
        await stream.HelloAsync();
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        session.Metadata.Should().BeEmpty();
        session.SessionId.Should().Be(stream.SessionId);
        _host.Sessions.TryGet(stream.SessionId, out var found).Should().BeTrue();
        found.Should().BeSameAs(session);
        _host.Sessions.Sessions.Should().Contain(session);
    }

    [Test]
    public async Task Completed_is_set_when_the_request_stream_ends_and_the_call_ends_ok()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        await stream.SendTextAsync(Json.Of(new { type = "chat", text = "bye" }));
        await stream.CompleteRequestsAsync();
        var turn = await stream.ReadTurnAsync();
        turn.SttText.Should().Be("bye", "turns queued before the end still finish");
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => session.Completed, "the session is completed");
        await stream.ExpectNothingAsync();
        stream.EndError.Should().BeNull();
    }

    [Test]
    public async Task By_default_a_session_keeps_its_newest_1000_requests()
    {
        await using var stream = _host.Open();
        await stream.HelloAsync();
        for (var i = 0; i < 1_050; i++)
        {
            await stream.SendBinaryAsync(BitConverter.GetBytes(i));
        }

        await VoiceTurnTests.PingBarrierAsync(stream);
        var session = await _host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        var requests = session.Requests;
        requests.Should().HaveCount(1_000, "a long session must not grow the stub's heap without bound");
        requests[0].Data.ToArray().Should().Equal(BitConverter.GetBytes(51), "the oldest are forgotten first (hello and frames 0-50 are gone)");
        requests[^1].JsonType.Should().BeNull("the ping barrier is the newest");
    }

    [Test]
    public async Task With_no_requests_to_keep_the_session_is_recorded_and_answered_but_keeps_no_requests()
    {
        await using var host = await StubHost.StartAsync(["--Stub:Mode", "echo", "--Stub:MaxRecordedRequestsPerSession", "0"]);
        await using var stream = host.Open();
        await stream.HelloAsync();
        await stream.SendBinaryAsync([7, 8, 9]);
        (await stream.NextBinaryAsync()).Should().Equal(7, 8, 9);
        var session = await host.Sessions.WaitForSessionAsync(stream.SessionId, TimeSpan.FromSeconds(5));
        session.Metadata.Should().ContainKey(SessionMetadataHeaders.DeviceId);
        session.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task Waiting_for_a_session_that_never_opens_times_out()
    {
        var wait = () => _host.Sessions.WaitForSessionAsync("never-" + Guid.NewGuid(), TimeSpan.FromMilliseconds(50));
        await wait.Should().ThrowAsync<TimeoutException>().WithMessage("*never-*");
        _host.Sessions.TryGet("never", out _).Should().BeFalse();
    }

    [Test]
    public async Task Waiting_before_the_session_opens_completes_when_it_opens()
    {
        var id = "later-" + Guid.NewGuid().ToString("N");
        var wait = _host.Sessions.WaitForSessionAsync(id, TimeSpan.FromSeconds(5));
        wait.IsCompleted.Should().BeFalse();
        await using var stream = _host.Open(sessionId: id);
        (await wait).SessionId.Should().Be(id);
    }
}
