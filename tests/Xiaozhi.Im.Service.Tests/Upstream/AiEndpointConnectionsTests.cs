using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>
/// An endpoint spreads its streams over HTTP/2 connections: up to <see cref="AiOptions.StreamsPerConnection"/> on
/// each, a new connection when all are full (up to <see cref="AiOptions.MaxConnectionsPerEndpoint"/>), the least
/// loaded first; a GOAWAY concerns only the streams of its own connection.
/// </summary>
public class AiEndpointConnectionsTests
{
    private AiEndpoint _endpoint = null!;
    private readonly List<FakeChatCall> _calls = [];

    [TearDown]
    public void TearDown()
    {
        foreach (var call in _calls)
        {
            call.Stream.Dispose();
        }

        _calls.Clear();
        _endpoint.Dispose();
    }

    private void Create(int streamsPerConnection, int maxConnections) =>
        Create(new AiOptions { StreamsPerConnection = streamsPerConnection, MaxConnectionsPerEndpoint = maxConnections });

    private void Create(AiOptions options) =>
        _endpoint = new AiEndpoint(
            new Uri("http://127.0.0.1:1"), options, NullLoggerFactory.Instance, TimeProvider.System, ejector: null, 1, EndpointDepartures.On(TimeProvider.System, options));

    private FakeChatCall Open()
    {
        var call = FakeChatCall.On(_endpoint);
        _calls.Add(call);
        return call;
    }

    private int[] StreamsPerConnection() => _endpoint.Connections.Select(c => c.ActiveStreams).ToArray();

    [Test]
    public void Streams_fill_a_connection_up_to_the_limit_then_a_new_one_opens()
    {
        Create(streamsPerConnection: 3, maxConnections: 10);
        _endpoint.Connections.Should().HaveCount(1, "the first connection exists from the start (health checks use it)");

        for (var i = 0; i < 3; i++)
        {
            Open().Stream.Connection.Index.Should().Be(0);
        }

        Open().Stream.Connection.Index.Should().Be(1, "connection 0 carries its 3 streams");
        StreamsPerConnection().Should().Equal(3, 1);
        _endpoint.ActiveStreams.Should().Be(4);
    }

    [Test]
    public void New_streams_go_to_the_least_loaded_connection()
    {
        Create(streamsPerConnection: 2, maxConnections: 10);
        for (var i = 0; i < 4; i++)
        {
            Open();
        }

        StreamsPerConnection().Should().Equal(2, 2);
        _calls[0].Stream.Dispose();
        _calls[1].Stream.Dispose();
        StreamsPerConnection().Should().Equal(0, 2);
        _endpoint.ActiveStreams.Should().Be(2);

        Open().Stream.Connection.Index.Should().Be(0);
        Open().Stream.Connection.Index.Should().Be(0);
        _endpoint.Connections.Should().HaveCount(2, "no connection was full when these opened");
    }

    [Test]
    public void Past_the_connection_limit_streams_share_the_least_loaded_connection()
    {
        Create(streamsPerConnection: 1, maxConnections: 2);
        for (var i = 0; i < 5; i++)
        {
            Open();
        }

        _endpoint.Connections.Should().HaveCount(2);
        StreamsPerConnection().Sum().Should().Be(5);
        StreamsPerConnection().Max().Should().Be(3, "the two connections take turns: 3 and 2");
    }

    [Test]
    public void Concurrent_openings_never_overshoot_a_connection()
    {
        Create(streamsPerConnection: 10, maxConnections: 100);
        var calls = new FakeChatCall[500];
        Parallel.For(0, calls.Length, i => calls[i] = FakeChatCall.On(_endpoint));
        _calls.AddRange(calls);

        _endpoint.Connections.Should().HaveCount(50);
        StreamsPerConnection().Should().OnlyContain(n => n == 10);
        _endpoint.ActiveStreams.Should().Be(500);
    }

    [Test]
    public void A_goaway_marks_only_the_streams_of_its_connection()
    {
        Create(streamsPerConnection: 1, maxConnections: 4);
        var first = Open();
        var second = Open();
        var raised = new List<AiConnection>();
        second.Stream.Connection.GoingAway += raised.Add;
        first.Stream.Connection.GoingAway += raised.Add;

        second.Stream.Connection.OnConnectionGoingAway();

        raised.Should().ContainSingle().Which.Should().BeSameAs(second.Stream.Connection);
        second.Stream.MayBeGoingAway.Should().BeTrue();
        first.Stream.MayBeGoingAway.Should().BeFalse("its connection is not closing");
        _endpoint.GoAwayGeneration.Should().Be(1);

        var later = FakeChatCall.On(_endpoint);
        _calls.Add(later);
        later.Stream.MayBeGoingAway.Should().BeFalse("a stream opened after the GOAWAY is on a fresh connection");
    }

    [Test]
    public void Connection_settings_are_validated_with_the_setting_named()
    {
        static string Failure(Action<AiOptions> change)
        {
            var options = new AiOptions();
            change(options);
            var result = new AiOptionsValidator().Validate(null, options);
            result.Failed.Should().BeTrue();
            return result.FailureMessage!;
        }

        new AiOptions().StreamsPerConnection.Should().Be(256);
        new AiOptions().MaxConnectionsPerEndpoint.Should().Be(64);
        Failure(o => o.StreamsPerConnection = 0).Should().Contain("Ai:StreamsPerConnection must be between 1 and 10000 (got 0)");
        Failure(o => o.MaxConnectionsPerEndpoint = 0).Should().Contain("Ai:MaxConnectionsPerEndpoint must be between 1 and 1000 (got 0)");
    }
}
