using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Ota;

namespace Xiaozhi.AiService.Stub.Tests.Ota;

/// <summary>
/// Issue 25 B7: the OTA issues a valid token for any Device-Id and shares its port with the fault API, so it listens on
/// loopback unless <c>Ota:AllowNonLoopback</c> says otherwise, and then warns.
/// </summary>
public sealed class OtaExposureTests
{
    [Test]
    public void The_default_urls_are_loopback()
    {
        new OtaOptionsValidator().Validate(null, new OtaOptions()).Succeeded.Should().BeTrue();
        OtaExposure.NonLoopbackUrls(new OtaOptions().Urls).Should().BeEmpty();
        OtaExposure.NonLoopbackUrls("http://127.0.0.1:8003;http://[::1]:8003;http://localhost:8003").Should().BeEmpty();
    }

    [TestCase("http://0.0.0.0:8003")]
    [TestCase("http://*:8003")]
    [TestCase("http://+:8003")]
    [TestCase("http://[::]:8003")]
    [TestCase("http://192.168.1.20:8003")]
    [TestCase("http://ota.example:8003")]
    public void A_url_beyond_loopback_is_refused_naming_the_setting_that_allows_it(string url)
    {
        var result = new OtaOptionsValidator().Validate(null, new OtaOptions { Urls = "http://127.0.0.1:8003;" + url });

        result.Failures.Should().ContainSingle().Which.Should()
            .StartWith($"Ota:Urls '{url}' is not a loopback address").And.Contain("Ota:AllowNonLoopback=true");
        new OtaOptionsValidator().Validate(null, new OtaOptions { Urls = url, AllowNonLoopback = true }).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task A_stub_asked_to_serve_the_ota_on_every_address_does_not_start_without_the_setting()
    {
        await using var app = Build(["--Ota:Urls", "http://0.0.0.0:0"], out _);

        var start = async () => await app.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .Which.Failures.Should().ContainSingle(f => f.StartsWith("Ota:Urls 'http://0.0.0.0:0' is not a loopback address", StringComparison.Ordinal));
    }

    [Test]
    public async Task With_the_setting_it_starts_on_every_address_and_warns()
    {
        await using var app = Build(["--Ota:Urls", "http://0.0.0.0:0", "--Ota:AllowNonLoopback", "true"], out var logs);

        await app.StartAsync();
        try
        {
            logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 402 && r.Level == LogLevel.Warning)
                .Which.Message.Should().Contain("http://0.0.0.0:0").And.Contain("any Device-Id");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Test]
    public async Task On_loopback_it_does_not_warn()
    {
        await using var app = Build(["--Ota:Urls", "http://127.0.0.1:0"], out var logs);

        await app.StartAsync();
        try
        {
            logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 402);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static WebApplication Build(string[] args, out FakeLogCollector logs)
    {
        var app = StubApplication.Build(
            ["--urls", "http://127.0.0.1:0", "--Auth:JwtSecret", "abc", "--Logging:LogLevel:Default", "Warning", .. args],
            builder => builder.Logging.AddFakeLogging());
        logs = app.Services.GetFakeLogCollector();
        return app;
    }
}
