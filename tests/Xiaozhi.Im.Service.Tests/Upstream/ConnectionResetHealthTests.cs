using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>
/// A connection the AI service ended without a GOAWAY (a crashed or killed backend) takes its endpoint out of new
/// sessions' choice at once; one ended after its GOAWAY (a recycled connection) does not; SERVING brings it back.
/// </summary>
public class ConnectionResetHealthTests
{
    [Test]
    public void A_connection_reset_without_a_GOAWAY_marks_the_endpoint_unreachable_and_new_sessions_go_to_the_other()
    {
        var time = new FakeTimeProvider();
        var ai = new AiOptions();
        using var crashed = new AiEndpoint(new Uri("http://127.0.0.1:1"), ai, NullLoggerFactory.Instance, time, ejector: null, 1, EndpointDepartures.On(time, ai));
        using var peer = new AiEndpoint(new Uri("http://127.0.0.1:2"), ai, NullLoggerFactory.Instance, time, ejector: null, 1, EndpointDepartures.On(time, ai));
        peer.ReserveConnection(); // the crashed one looks cheaper: it has no stream left
        crashed.SetHealth(AiEndpointHealth.Serving);

        crashed.Connections[0].OnConnectionLost(afterGoAway: false);

        crashed.Health.Should().Be(AiEndpointHealth.Unreachable);
        crashed.IsHealthy.Should().BeFalse();
        new PeakEwmaEndpointPolicy(new Random(1)).Order([crashed, peer]).Should().Equal(peer);
        new LeastSessionsEndpointPolicy().Order([crashed, peer]).Should().Equal(peer);

        // The health check confirms the recovery.
        crashed.SetHealth(AiEndpointHealth.Serving).Should().Be(AiEndpointHealth.Unreachable);
        crashed.IsHealthy.Should().BeTrue();
    }

    [Test]
    public void A_connection_ended_after_its_GOAWAY_leaves_the_endpoint_serving()
    {
        var time = new FakeTimeProvider();
        var ai = new AiOptions();
        using var endpoint = new AiEndpoint(new Uri("http://127.0.0.1:1"), ai, NullLoggerFactory.Instance, time, ejector: null, 1, EndpointDepartures.On(time, ai));
        endpoint.SetHealth(AiEndpointHealth.Serving);

        endpoint.Connections[0].OnConnectionLost(afterGoAway: true);

        endpoint.Health.Should().Be(AiEndpointHealth.Serving, "the service recycled the connection (MaxConnectionAge): it still serves");
        endpoint.IsHealthy.Should().BeTrue();
    }
}
