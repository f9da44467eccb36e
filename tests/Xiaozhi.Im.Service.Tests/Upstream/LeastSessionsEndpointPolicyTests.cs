using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

public class LeastSessionsEndpointPolicyTests
{
    private readonly List<AiEndpoint> _endpoints = [];
    private readonly List<FakeChatCall> _calls = [];

    [SetUp]
    public void SetUp()
    {
        for (var i = 0; i < 3; i++)
        {
            _endpoints.Add(FakeChatCall.Endpoint($"http://127.0.0.1:{i + 1}"));
        }
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var call in _calls)
        {
            call.Stream.Dispose();
        }

        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        _calls.Clear();
        _endpoints.Clear();
    }

    private void Open(int endpoint, int streams)
    {
        for (var i = 0; i < streams; i++)
        {
            _calls.Add(FakeChatCall.On(_endpoints[endpoint]));
        }
    }

    [Test]
    public void The_endpoint_with_the_fewest_open_streams_comes_first()
    {
        Open(0, 3);
        Open(1, 1);
        Open(2, 2);

        new LeastSessionsEndpointPolicy().Order(_endpoints).Should().Equal(_endpoints[1], _endpoints[2], _endpoints[0]);
    }

    [Test]
    public void Equal_endpoints_take_turns()
    {
        var policy = new LeastSessionsEndpointPolicy();

        var firsts = Enumerable.Range(0, 6).Select(_ => policy.Order(_endpoints)[0]).ToArray();

        firsts.Should().Equal(_endpoints[0], _endpoints[1], _endpoints[2], _endpoints[0], _endpoints[1], _endpoints[2]);
    }

    [TestCase(AiEndpointHealth.NotServing)]
    [TestCase(AiEndpointHealth.Unreachable)]
    public void Unhealthy_endpoints_are_skipped_even_with_fewer_streams(object unhealthyCase)
    {
        // NUnit runs public methods only, and the enum is internal: the case arrives as object.
        var unhealthy = (AiEndpointHealth)unhealthyCase;
        Open(1, 5);
        Open(2, 7);
        _endpoints[0].SetHealth(unhealthy);
        _endpoints[1].SetHealth(AiEndpointHealth.Serving);

        var order = new LeastSessionsEndpointPolicy().Order(_endpoints);

        order.Should().Equal([_endpoints[1], _endpoints[2]], "serving and not-yet-checked endpoints only");
    }

    [Test]
    public void With_no_healthy_endpoint_all_are_tried_since_connectivity_decides()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.SetHealth(AiEndpointHealth.Unreachable);
        }

        Open(0, 1);

        new LeastSessionsEndpointPolicy().Order(_endpoints).Should().HaveCount(3).And.HaveElementAt(2, _endpoints[0]);
    }

    [Test]
    public void A_closed_stream_frees_its_place()
    {
        Open(0, 1);
        var policy = new LeastSessionsEndpointPolicy();
        policy.Order(_endpoints)[0].Should().NotBe(_endpoints[0]);

        _calls[0].Stream.Dispose();
        _calls.Clear();

        _endpoints[0].ActiveStreams.Should().Be(0);
        Open(1, 1);
        Open(2, 1);
        policy.Order(_endpoints)[0].Should().Be(_endpoints[0]);
    }
}
