using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>
/// What a backend crash counts toward ejection: one failure for the lost connection, however many streams were on it
/// (a crash under 20 sessions is one event, not 20 failures in a row), and no "not ejected" warning for an endpoint
/// that can never be ejected.
/// </summary>
public class ConnectionLossEjectionTests
{
    private static AiBalancingOptions Options => new()
    {
        EjectAfterFailures = 5,
        EjectionTime = TimeSpan.FromSeconds(30),
        MaxEjectionTime = TimeSpan.FromSeconds(100),
        MaxEjectionPercent = 50,
    };

    [Test]
    public void A_connection_lost_under_twenty_streams_is_one_failure_and_ejects_nothing()
    {
        var time = new FakeTimeProvider();
        var endpoints = new List<AiEndpoint>();
        using var ejector = new AiOutlierEjector(Options, time, NullLogger<AiOutlierEjector>.Instance, () => endpoints);
        var ai = new AiOptions { Balancing = Options };
        using var crashed = new AiEndpoint(new Uri("http://127.0.0.1:1"), ai, NullLoggerFactory.Instance, time, ejector, 1, EndpointDepartures.On(time, ai));
        using var peer = new AiEndpoint(new Uri("http://127.0.0.1:2"), ai, NullLoggerFactory.Instance, time, ejector, 1, EndpointDepartures.On(time, ai));
        endpoints.AddRange([crashed, peer]);
        for (var i = 0; i < 20; i++)
        {
            crashed.ReserveConnection();
        }

        crashed.Connections[0].OnConnectionLost();

        crashed.Balance.FailuresInARow.Should().Be(1);
        crashed.IsEjected.Should().BeFalse();
    }

    [Test]
    public void A_connection_lost_with_no_stream_open_counts_nothing()
    {
        var time = new FakeTimeProvider();
        var ai = new AiOptions { Balancing = Options };
        using var endpoint = new AiEndpoint(new Uri("http://127.0.0.1:1"), ai, NullLoggerFactory.Instance, time, ejector: null, 1, EndpointDepartures.On(time, ai));

        endpoint.Connections[0].OnConnectionLost();

        endpoint.Balance.FailuresInARow.Should().Be(0);
    }

    [Test]
    public void A_lone_endpoint_failing_past_the_threshold_logs_no_capped_warning()
    {
        var time = new FakeTimeProvider();
        var log = new RecordingLogger<AiOutlierEjector>();
        var endpoints = new List<AiEndpoint>();
        using var ejector = new AiOutlierEjector(Options, time, log, () => endpoints);
        var ai = new AiOptions { Balancing = Options };
        using var alone = new AiEndpoint(new Uri("http://127.0.0.1:1"), ai, NullLoggerFactory.Instance, time, ejector, 1, EndpointDepartures.On(time, ai));
        endpoints.Add(alone);

        for (var i = 0; i < 8; i++)
        {
            alone.NoteFailure();
        }

        alone.IsEjected.Should().BeFalse();
        log.Entries.Should().NotContain(e => e.EventId == 3042, "one endpoint alone is never ejected: there is no cap to report");
    }
}
