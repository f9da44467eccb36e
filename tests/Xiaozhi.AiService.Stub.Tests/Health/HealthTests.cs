using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Health;

public sealed class HealthTests
{
    [Test]
    public async Task HealthCheck_is_serving_and_not_serving_while_draining()
    {
        await using var host = await StubHost.StartAsync();
        (await host.Client.HealthCheckAsync(new HealthCheckRequest())).Status.Should().Be(HealthCheckResponse.Types.ServingStatus.Serving);
        host.Faults.Draining = true;
        (await host.Client.HealthCheckAsync(new HealthCheckRequest())).Status.Should().Be(HealthCheckResponse.Types.ServingStatus.NotServing);
        host.Faults.Draining = false;
        (await host.Client.HealthCheckAsync(new HealthCheckRequest { Service = "ai_service.AIService" })).Status.Should().Be(HealthCheckResponse.Types.ServingStatus.Serving);
    }

    [Test]
    public async Task Standard_grpc_health_service_follows_draining()
    {
        await using var host = await StubHost.StartAsync();
        var health = new global::Grpc.Health.V1.Health.HealthClient(host.Channel);
        (await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest())).Status.Should().Be(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        host.Faults.Draining = true;
        (await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest())).Status.Should().Be(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    [Test]
    public async Task Draining_can_start_from_configuration()
    {
        await using var host = await StubHost.StartAsync(["--Stub:Faults:Draining", "true"]);
        (await host.Client.HealthCheckAsync(new Xiaozhi.Grpc.Proto.HealthCheckRequest())).Status.Should().Be(HealthCheckResponse.Types.ServingStatus.NotServing);
    }
}
