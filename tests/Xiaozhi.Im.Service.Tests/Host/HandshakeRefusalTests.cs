using System.Diagnostics;
using System.Net;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>Refusals before the upgrade, over plain HTTP against the real host.</summary>
[Parallelizable(ParallelScope.None)]
public class HandshakeRefusalTests
{
    [Test]
    public async Task No_connectable_endpoint_is_503_within_the_connect_timeout()
    {
        await using var host = await ImHost.StartAsync(ImHost.ClosedEndpoint());
        var clock = Stopwatch.StartNew();
        var (status, body) = await host.UpgradeRequestAsync("/", ("Device-Id", "d1"), ("Authorization", "Bearer " + TestTokens.For(ImHost.Secret, "d1")));
        status.Should().Be(HttpStatusCode.ServiceUnavailable);
        body.Should().Be("AI service unavailable, try again later");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task Refusals_carry_a_plain_text_reason()
    {
        var (stub, address, _) = await FakeAiService.StartAsync();
        try
        {
            await using var host = await ImHost.StartAsync(address);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            var plain = await http.GetAsync(new Uri(host.HttpUrl, "/ws"));
            plain.StatusCode.Should().Be(HttpStatusCode.UpgradeRequired);
            (await plain.Content.ReadAsStringAsync()).Should().Be("WebSocket upgrade required");

            (await http.GetAsync(new Uri(host.HttpUrl, "/api/anything"))).StatusCode.Should().Be(HttpStatusCode.NotFound);
            (await host.UpgradeRequestAsync("/nope", ("Device-Id", "d1"))).Status.Should().Be(HttpStatusCode.NotFound);

            var noToken = await host.UpgradeRequestAsync("/xiaozhi/v1/", ("Device-Id", "d1"));
            noToken.Status.Should().Be(HttpStatusCode.Unauthorized);
            noToken.Body.Should().StartWith("missing token");

            var mismatch = await host.UpgradeRequestAsync("/", ("Device-Id", "d2"), ("Authorization", "Bearer " + TestTokens.For(ImHost.Secret, "d1")));
            mismatch.Should().Be((HttpStatusCode.Unauthorized, "device_id does not match Device-Id"));

            var none = await host.UpgradeRequestAsync("/?device-id=d1&token=" + TestTokens.Unsigned(new { device_id = "d1", user_id = 1 }));
            none.Status.Should().Be(HttpStatusCode.Unauthorized);

            var badVersion = await host.UpgradeRequestAsync("/", ("Device-Id", "d1"), ("Protocol-Version", "9"));
            badVersion.Should().Be((HttpStatusCode.BadRequest, "Protocol-Version must be 1, 2 or 3"));

            var noDevice = await host.UpgradeRequestAsync("/", ("Authorization", "Bearer " + TestTokens.For(ImHost.Secret, "d1")));
            noDevice.Should().Be((HttpStatusCode.Unauthorized, "Device-Id is required"));
        }
        finally
        {
            await stub.StopAsync();
            await stub.DisposeAsync();
        }
    }

    [Test]
    public async Task Auth_disabled_needs_only_a_device_id()
    {
        var (stub, address, _) = await FakeAiService.StartAsync();
        try
        {
            await using var host = await ImHost.StartAsync(address, "--Auth:Enabled", "false", "--Auth:JwtSecret", "");
            (await host.UpgradeRequestAsync("/")).Should().Be((HttpStatusCode.BadRequest, "Device-Id is required (header Device-Id or query device-id)"));
            (await host.UpgradeRequestAsync("/?device-id=d1")).Status.Should().Be(HttpStatusCode.SwitchingProtocols);
        }
        finally
        {
            await stub.StopAsync();
            await stub.DisposeAsync();
        }
    }

    [Test]
    public async Task Empty_secret_with_auth_enabled_refuses_to_start()
    {
        var act = async () =>
        {
            await using var host = await ImHost.StartAsync(new Uri("http://127.0.0.1:1"), "--Auth:JwtSecret", "");
        };
        await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*Auth:JwtSecret is empty*");
    }
}
