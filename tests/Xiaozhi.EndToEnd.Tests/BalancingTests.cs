using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.EndToEnd.Tests.Harness;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>Two real stubs behind one IM: the default choice by latency × load, and outlier ejection.</summary>
public class BalancingTests
{
    private static StubFaults FaultsOf(Gateway gateway, int stub) => gateway.StubAt(stub)!.Services.GetRequiredService<StubFaults>();

    private static int StubOf(Gateway gateway, string deviceId) =>
        Enumerable.Range(0, 2).Single(i => gateway.StubSessionsAt(i).Sessions.Any(s => s.Metadata.GetValueOrDefault("device-id") == deviceId));

    [Test]
    public async Task A_slow_stub_gets_fewer_new_sessions_than_a_fast_one_after_warm_up_turns()
    {
        E2eTarget.RequireInProcess("needs the in-process stubs' fault injection");

        await using var gateway = await Gateway.StartAsync(new GatewayOptions { StubCount = 2 });
        var pool = gateway.Im.Services.GetRequiredService<AiEndpointPool>();
        FaultsOf(gateway, 1).ResponseDelay = TimeSpan.FromMilliseconds(100); // ~0.4 s to first audio instead of a few ms

        // A new session takes the first connectable endpoint of the policy's order: let both connect first (health checks).
        await Eventually.TrueAsync(() => pool.Endpoints.All(e => e.Channel.State == global::Grpc.Core.ConnectivityState.Ready), "both stubs connected", TimeSpan.FromSeconds(10));
        var devices = new List<DeviceClient>();
        try
        {
            // Warm-up: the first sessions spread by load alone (no answer measured yet), each has a turn.
            for (var i = 0; i < 4; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.HelloAsync();
                (await device.ChatAsync($"warm-up {i}")).Audio.Should().NotBeEmpty();
            }

            var warm = devices.Select(d => StubOf(gateway, d.DeviceId)).ToList();
            warm.Should().Contain(1, "the slow stub got warm-up sessions, so its latency was measured");
            pool.Endpoints[1].Balance.LatencyMs.Should().BeGreaterThan(pool.Endpoints[0].Balance.LatencyMs!.Value * 3);

            // New sessions now prefer the fast stub.
            var fresh = new List<int>();
            for (var i = 0; i < 10; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.HelloAsync();
                (await device.ChatAsync($"fresh {i}")).SttText.Should().Be($"fresh {i}");
                fresh.Add(StubOf(gateway, device.DeviceId));
            }

            TestContext.Out.WriteLine($"warm-up: {string.Join(",", warm)}; new: {string.Join(",", fresh)}");
            fresh.Count(s => s == 1).Should().BeLessThan(3, "the slow stub gets clearly fewer of 10 new sessions");
            devices.Should().OnlyContain(d => d.CloseStatus == null);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_stub_failing_every_turn_is_ejected_its_devices_get_the_alert_and_the_other_stubs_devices_are_unaffected()
    {
        E2eTarget.RequireInProcess("needs the in-process stubs' fault injection");

        await using var gateway = await Gateway.StartAsync(new GatewayOptions
        {
            StubCount = 2,
            ImArgs = ["--Ai:Balancing:EjectAfterFailures", "2", "--Ai:Balancing:Policy", "LeastSessions"],
        });
        var pool = gateway.Im.Services.GetRequiredService<AiEndpointPool>();
        var ejected = new System.Collections.Concurrent.ConcurrentQueue<AiEndpointEjectedEventArgs>();
        pool.EndpointEjected += (_, e) => ejected.Enqueue(e);
        FaultsOf(gateway, 1).FailEveryNthTurn = 1;
        var devices = new List<DeviceClient>();
        try
        {
            // LeastSessions alternates: two devices on each stub.
            for (var i = 0; i < 4; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.HelloAsync();
            }

            var failing = devices.Where(d => StubOf(gateway, d.DeviceId) == 1).ToList();
            var healthy = devices.Where(d => StubOf(gateway, d.DeviceId) == 0).ToList();
            failing.Should().HaveCount(2);
            foreach (var device in failing)
            {
                await device.SendJsonAsync(new { type = "chat", text = "hi" });
                var alert = await device.ReceiveAsync();
                alert.JsonType.Should().Be("alert");
                alert.Get("message").Should().Contain("Stub:Faults:FailEveryNthTurn");
            }

            // The 999 is counted right after its alert went out: wait for it.
            await Eventually.TrueAsync(() => pool.Endpoints[1].IsEjected && !ejected.IsEmpty, "two sessions' turns failed in a row", TimeSpan.FromSeconds(5));
            ejected.Should().ContainSingle().Which.Endpoint.Should().BeSameAs(pool.Endpoints[1]);

            // New sessions all go to the other stub while it is ejected; the devices there never noticed.
            for (var i = 0; i < 3; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                devices.Add(device);
                await device.HelloAsync();
                StubOf(gateway, device.DeviceId).Should().Be(0);
            }

            foreach (var device in healthy)
            {
                (await device.ChatAsync("fine")).SttText.Should().Be("fine");
            }

            devices.Should().OnlyContain(d => d.CloseStatus == null);
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }
}
