using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Tests.Host;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>
/// <see cref="AiConnection.WhenReadyAsync"/>: every caller waits on one connect attempt of the connection, each for
/// its own time; a caller that gives up does not end the attempt for the others; the attempt greets the service before
/// anyone opens a stream, so streams opened at once share one HTTP/2 connection. Real loopback sockets.
/// </summary>
public class AiConnectionReadinessTests
{
    [Test]
    public async Task Waiters_on_a_down_endpoint_all_connect_when_it_listens_even_after_one_gave_up()
    {
        var address = ImHost.ClosedEndpoint();
        // A bare TCP listener never answers the greeting: it is given up after HealthCheckTimeout.
        using var endpoint = Endpoint(address, new AiOptions { ReconnectInitialBackoff = TimeSpan.FromMilliseconds(20), ReconnectMaxBackoff = TimeSpan.FromMilliseconds(100), HealthCheckTimeout = TimeSpan.FromMilliseconds(100) });
        var connection = endpoint.Connections[0];

        var impatient = connection.WhenReadyAsync(TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);
        var waiters = Enumerable.Range(0, 50).Select(_ => connection.WhenReadyAsync(TimeSpan.FromSeconds(20), TimeProvider.System, CancellationToken.None)).ToArray();
        await FluentActions.Awaiting(() => impatient).Should().ThrowAsync<TimeoutException>("nothing listens yet");
        waiters.Should().OnlyContain(w => !w.IsCompleted, "the endpoint is still down");

        var listener = new TcpListener(IPAddress.Loopback, address.Port);
        listener.Start();
        try
        {
            await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(20));
            connection.State.Should().Be(ConnectivityState.Ready);
            connection.WhenReadyAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None).IsCompletedSuccessfully
                .Should().BeTrue("a ready connection answers at once, even with no time to wait");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Test]
    public async Task A_cancelled_waiter_stops_waiting_at_once_and_the_others_keep_waiting()
    {
        using var endpoint = Endpoint(ImHost.ClosedEndpoint(), new AiOptions());
        var connection = endpoint.Connections[0];
        using var cancel = new CancellationTokenSource();

        var cancelled = connection.WhenReadyAsync(TimeSpan.FromSeconds(20), TimeProvider.System, cancel.Token);
        var other = connection.WhenReadyAsync(TimeSpan.FromSeconds(20), TimeProvider.System, CancellationToken.None);
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        other.IsCompleted.Should().BeFalse("its wait is its own");
    }

    [Test]
    public async Task Streams_opened_all_at_once_on_a_fresh_connection_share_one_HTTP2_connection()
    {
        // Until the server's SETTINGS arrive the client assumes 100 streams per connection: 200 streams opened before
        // then would make it open a second connection although the service allows 1,000.
        var (app, address, service) = await FakeAiService.StartAsync(maxStreamsPerConnection: 1000);
        await using var _ = app;
        using var pool = new AiEndpointPool(Options.Create(new AiOptions { Endpoints = [address.ToString()], StreamsPerConnection = 256 }), TimeProvider.System, NullLoggerFactory.Instance);

        var opening = Enumerable.Range(0, 200).Select(i => pool.OpenChatStreamAsync(Session(i), CancellationToken.None)).ToArray();
        var streams = await Task.WhenAll(opening).WaitAsync(TimeSpan.FromSeconds(20));
        try
        {
            streams.Should().OnlyContain(s => s != null);
            await WaitForAsync(() => service.OpenedStreams.Count == 200);
            var connection = pool.Endpoints.Should().ContainSingle().Subject.Connections.Should().ContainSingle().Subject;
            connection.OpenConnections.Should().Be(1, "the greeting brought the server's stream limit before the streams opened");
            service.HealthChecks.Should().Be(1, "one greeting per connect attempt, not one per session");
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream?.Dispose();
            }
        }
    }

    [Test]
    public async Task A_stream_opened_while_the_greeting_is_in_flight_waits_for_it_although_the_channel_reads_ready()
    {
        var (app, address, service) = await FakeAiService.StartAsync();
        await using var _ = app;
        service.HealthDelay = TimeSpan.FromMilliseconds(500);
        using var pool = new AiEndpointPool(Options.Create(new AiOptions { Endpoints = [address.ToString()] }), TimeProvider.System, NullLoggerFactory.Instance);
        var connection = pool.Endpoints[0].Connections[0];

        var first = pool.OpenChatStreamAsync(Session(0), CancellationToken.None);
        await WaitForAsync(() => service.HealthChecks == 1);
        connection.State.Should().Be(ConnectivityState.Ready, "the socket is connected; the greeting's answer is 500 ms away");
        var second = pool.OpenChatStreamAsync(Session(1), CancellationToken.None);

        second.IsCompleted.Should().BeFalse("a stream opened now could come before the server's stream limit");
        using var firstStream = await first.WaitAsync(TimeSpan.FromSeconds(10));
        using var secondStream = await second.WaitAsync(TimeSpan.FromSeconds(10));
        secondStream.Should().NotBeNull();
    }

    [Test]
    public async Task A_stream_carries_the_current_trace_context_and_leaves_the_current_activity_as_it_was()
    {
        var (app, address, service) = await FakeAiService.StartAsync();
        await using var _ = app;
        using var pool = new AiEndpointPool(Options.Create(new AiOptions { Endpoints = [address.ToString()] }), TimeProvider.System, NullLoggerFactory.Instance);
        using var request = new System.Diagnostics.Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();

        using var stream = await pool.OpenChatStreamAsync(Session(0), CancellationToken.None);
        await WaitForAsync(() => !service.OpenedStreams.IsEmpty);

        System.Diagnostics.Activity.Current.Should().BeSameAs(request, "the stream is opened outside the span, not after it");
        service.OpenedStreams.Single().GetValue(Xiaozhi.Grpc.Proto.SessionMetadataHeaders.TraceParent).Should().Be(request.Id);
    }

    [Test]
    public async Task A_service_that_refuses_the_greeting_is_still_ready_for_streams()
    {
        var (app, address, service) = await FakeAiService.StartAsync();
        await using var _ = app;
        service.HealthStatus = null; // HealthCheck fails with Unavailable: an answer all the same
        using var endpoint = Endpoint(address, new AiOptions());

        await endpoint.Connections[0].WhenReadyAsync(TimeSpan.FromSeconds(10), TimeProvider.System, CancellationToken.None);

        service.HealthChecks.Should().Be(1);
        endpoint.Connections[0].State.Should().Be(ConnectivityState.Ready);
    }

    private static Xiaozhi.Im.Service.Sessions.SessionMetadata Session(int i) =>
        new($"s-{i}", $"aa:bb:cc:dd:ee:{i % 256:x2}", $"client-{i}", null, Xiaozhi.Im.Service.Protocol.BinaryProtocolVersion.V1, "websocket", "127.0.0.1");

    private static AiEndpoint Endpoint(Uri address, AiOptions options) =>
        new(address, options, NullLoggerFactory.Instance, TimeProvider.System, ejector: null, 1, EndpointDepartures.On(TimeProvider.System, options));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within 20 s");
            await Task.Delay(10);
        }
    }
}
