using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Auth;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Configuration;

/// <summary>
/// <c>GoServiceConfig:Path</c> makes the IM read the Go AI service's config.yaml (through the YAML configuration
/// provider); explicit settings win over the file.
/// </summary>
[NonParallelizable]
public sealed class GoServiceConfigTests
{
    private DirectoryInfo _dir = null!;
    private string _yaml = null!;

    [SetUp]
    public void WriteSample()
    {
        _dir = Directory.CreateTempSubdirectory("xiaozhi-goconfig-");
        var sample = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Configuration", "go-config.sample.yaml"));
        _yaml = Path.Combine(_dir.FullName, "config.yaml");
        File.WriteAllText(_yaml, sample.Replace("LOGDIR", Path.Combine(_dir.FullName, "logs"), StringComparison.Ordinal));
    }

    [TearDown]
    public void Cleanup() => _dir.Delete(recursive: true);

    private WebApplication Build(params string[] extra) =>
        ImApplication.Build(["--contentRoot", _dir.FullName, "--GoServiceConfig:Path", _yaml, .. extra]);

    [Test]
    public async Task Token_grpc_address_browser_switch_and_log_level_come_from_the_file()
    {
        await using var app = Build();

        app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.JwtSecret.Should().Be("yaml-secret");
        app.Services.GetRequiredService<IOptions<AiOptions>>().Value.EffectiveEndpoints.Should().Equal("http://localhost:50061");
        app.Services.GetRequiredService<IOptions<DeviceWebSocketOptions>>().Value.AllowQueryIdentity.Should().BeFalse();
        app.Configuration["Logging:LogLevel:Default"].Should().Be("Debug");
    }

    [Test]
    public async Task Explicit_settings_win_over_the_file()
    {
        await using var app = Build("--Auth:JwtSecret", "explicit", "--Ai:Endpoints:0", "http://127.0.0.1:6000", "--WebSocket:AllowQueryIdentity", "true");

        app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.JwtSecret.Should().Be("explicit");
        app.Services.GetRequiredService<IOptions<AiOptions>>().Value.EffectiveEndpoints.Should().Equal("http://127.0.0.1:6000");
        app.Services.GetRequiredService<IOptions<DeviceWebSocketOptions>>().Value.AllowQueryIdentity.Should().BeTrue();
    }

    [Test]
    public async Task The_file_log_named_by_log_dir_and_log_file_receives_entries()
    {
        await using (var app = Build())
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Xiaozhi.Test").LogWarning("file log works {Value}", 42);
        }

        var log = await File.ReadAllTextAsync(Path.Combine(_dir.FullName, "logs", "server.log"));
        log.Should().Contain("Warning Xiaozhi.Test[0] file log works 42");
    }

    [Test]
    public void A_missing_file_stops_start_up_naming_the_setting_and_the_path()
    {
        var missing = Path.Combine(_dir.FullName, "nope.yaml");

        var act = () => ImApplication.Build(["--contentRoot", _dir.FullName, "--GoServiceConfig:Path", missing]);

        act.Should().Throw<FileNotFoundException>().WithMessage($"*GoServiceConfig:Path*{missing}*");
    }

    [Test]
    public async Task Without_the_setting_the_file_is_not_read()
    {
        await using var app = ImApplication.Build(["--contentRoot", _dir.FullName]);

        app.Configuration["Auth:JwtSecret"].Should().BeNull();
        app.Services.GetRequiredService<IOptions<DeviceWebSocketOptions>>().Value.AllowQueryIdentity.Should().BeTrue();
    }

    [Test]
    public async Task Browser_switch_off_means_a_token_in_the_query_is_not_accepted()
    {
        var (stub, address, _) = await Host.FakeAiService.StartAsync();
        try
        {
            await using var host = await Host.ImHost.StartAsync(address, "--WebSocket:AllowQueryIdentity", "false");
            var (status, _) = await host.UpgradeRequestAsync($"/?device-id=d9&token={TestTokens.For(host.JwtSecret, "d9")}");

            status.Should().Be(HttpStatusCode.Unauthorized, "identity from the query is ignored when browsers are off");
        }
        finally
        {
            await stub.DisposeAsync();
        }
    }
}
