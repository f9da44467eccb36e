using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Tests.Host;
using Xiaozhi.Im.Service.Upstream;
using ServingStatus = Xiaozhi.Grpc.Proto.HealthCheckResponse.Types.ServingStatus;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>The health monitor against the in-test AI service; time is a <see cref="FakeTimeProvider"/>.</summary>
[Parallelizable(ParallelScope.None)]
public class AiEndpointHealthMonitorTests
{
    private readonly FakeTimeProvider _time = new();
    private WebApplication _ai = null!;
    private FakeAiService _service = null!;
    private AiEndpointPool _pool = null!;
    private AiEndpointHealthMonitor _monitor = null!;

    [SetUp]
    public async Task SetUp()
    {
        (_ai, var address, _service) = await FakeAiService.StartAsync();
        var options = Options.Create(new AiOptions
        {
            Endpoints = [address.ToString(), ImHost.ClosedEndpoint().ToString()],
            HealthCheckTimeout = TimeSpan.FromSeconds(3),
        });
        _pool = new AiEndpointPool(options, _time, NullLoggerFactory.Instance);
        _monitor = new AiEndpointHealthMonitor(_pool, options, _time, NullLogger<AiEndpointHealthMonitor>.Instance);
    }

    [TearDown]
    public async Task TearDown()
    {
        _monitor.Dispose();
        _pool.Dispose();
        await _ai.StopAsync();
        await _ai.DisposeAsync();
    }

    private AiEndpoint Live => _pool.Endpoints[0];

    private AiEndpoint Dead => _pool.Endpoints[1];

    [Test]
    public async Task Verdicts_follow_the_health_check_serving_not_serving_unreachable_and_back()
    {
        Live.Health.Should().Be(AiEndpointHealth.Unknown);
        Live.IsHealthy.Should().BeTrue("not checked yet counts as healthy");

        await _monitor.ProbeAllAsync(CancellationToken.None);
        Live.Health.Should().Be(AiEndpointHealth.Serving);
        Dead.Health.Should().Be(AiEndpointHealth.Unreachable, "nothing listens there");
        Dead.IsHealthy.Should().BeFalse();

        _service.HealthStatus = ServingStatus.NotServing;
        await _monitor.ProbeAllAsync(CancellationToken.None);
        Live.Health.Should().Be(AiEndpointHealth.NotServing);
        Live.IsHealthy.Should().BeFalse();

        _service.HealthStatus = null;
        await _monitor.ProbeAllAsync(CancellationToken.None);
        Live.Health.Should().Be(AiEndpointHealth.Unreachable);

        _service.HealthStatus = ServingStatus.Serving;
        await _monitor.ProbeAllAsync(CancellationToken.None);
        Live.Health.Should().Be(AiEndpointHealth.Serving);
        Live.IsHealthy.Should().BeTrue();
    }

    [Test]
    public async Task No_answer_within_the_health_check_timeout_is_unreachable()
    {
        await _monitor.ProbeAllAsync(CancellationToken.None);
        _service.HealthDelay = TimeSpan.FromSeconds(30);
        var before = _service.HealthChecks;

        var probe = _monitor.ProbeAllAsync(CancellationToken.None);
        await WaitForAsync(() => _service.HealthChecks > before);
        probe.IsCompleted.Should().BeFalse();
        _time.Advance(TimeSpan.FromSeconds(3));
        await probe.WaitAsync(TimeSpan.FromSeconds(10));

        Live.Health.Should().Be(AiEndpointHealth.Unreachable);
    }

    [Test]
    public async Task The_monitor_probes_every_interval()
    {
        using var stop = new CancellationTokenSource();
        await _monitor.StartAsync(stop.Token);
        await WaitForAsync(() => _service.HealthChecks == 1 && Live.Health == AiEndpointHealth.Serving);
        _service.HealthStatus = ServingStatus.NotServing;

        _time.Advance(new AiOptions().HealthCheckInterval);

        await WaitForAsync(() => _service.HealthChecks == 2 && Live.Health == AiEndpointHealth.NotServing);
        await _monitor.StopAsync(CancellationToken.None);
    }

    [Test]
    public async Task While_an_endpoint_is_unreachable_the_checks_come_every_second_and_see_it_back()
    {
        await _monitor.ProbeAllAsync(CancellationToken.None);
        Dead.Health.Should().Be(AiEndpointHealth.Unreachable);
        _monitor.NextInterval().Should().Be(AiEndpointHealthMonitor.RecoveryInterval);

        // A crashed backend's reset connection marked the live one unreachable too; its check sees it serving.
        Dead.SetHealth(AiEndpointHealth.Serving);
        _monitor.NextInterval().Should().Be(new AiOptions().HealthCheckInterval, "every endpoint serves: the normal interval");
        Live.Connections[0].OnConnectionLost(afterGoAway: false);
        Live.Health.Should().Be(AiEndpointHealth.Unreachable);
        _monitor.NextInterval().Should().Be(AiEndpointHealthMonitor.RecoveryInterval);

        using var stop = new CancellationTokenSource();
        await _monitor.StartAsync(stop.Token);
        await WaitForAsync(() => Live.Health == AiEndpointHealth.Serving);
        var checks = _service.HealthChecks;
        _time.Advance(AiEndpointHealthMonitor.RecoveryInterval);
        await WaitForAsync(() => _service.HealthChecks > checks);
        await _monitor.StopAsync(CancellationToken.None);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
