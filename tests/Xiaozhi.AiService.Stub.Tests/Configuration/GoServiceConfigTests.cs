using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub;
using Xiaozhi.AiService.Stub.Ota;

namespace Xiaozhi.AiService.Stub.Tests.Configuration;

/// <summary>The stub reads the same Go config.yaml the IM does (<c>GoServiceConfig:Path</c>); explicit settings win.</summary>
public sealed class GoServiceConfigTests
{
    private const string GoConfig = """
        server:
          ip: 0.0.0.0
          port: 8000
          token: "go-token"
        transport:
          grpc:
            ip: 127.0.0.1
            port: 50071
        log:
          log_level: WARN
        web:
          port: 8080
          websocket: ws://192.0.2.10:8000/xiaozhi/v1/
        """;

    private DirectoryInfo _dir = null!;

    [SetUp]
    public void Write()
    {
        _dir = Directory.CreateTempSubdirectory("xiaozhi-stub-goconfig-");
        File.WriteAllText(Path.Combine(_dir.FullName, "config.yaml"), GoConfig);
    }

    [TearDown]
    public void Cleanup() => _dir.Delete(recursive: true);

    private WebApplication Build(params string[] extra) =>
        StubApplication.Build(["--contentRoot", _dir.FullName, "--GoServiceConfig:Path", Path.Combine(_dir.FullName, "config.yaml"), .. extra]);

    [Test]
    public async Task Token_grpc_address_ota_url_and_log_level_come_from_the_file()
    {
        await using var app = Build();

        app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.JwtSecret.Should().Be("go-token");
        app.Services.GetRequiredService<IOptions<OtaOptions>>().Value.WebSocketUrl.Should().Be("ws://192.0.2.10:8000/xiaozhi/v1/");
        app.Configuration["urls"].Should().Be("http://127.0.0.1:50071");
        app.Configuration["Logging:LogLevel:Default"].Should().Be("Warning");
    }

    [Test]
    public async Task Explicit_settings_win_over_the_file()
    {
        await using var app = Build("--Auth:JwtSecret", "explicit", "--urls", "http://127.0.0.1:0", "--Ota:WebSocketUrl", "ws://127.0.0.1:1/");

        app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.JwtSecret.Should().Be("explicit");
        app.Services.GetRequiredService<IOptions<OtaOptions>>().Value.WebSocketUrl.Should().Be("ws://127.0.0.1:1/");
        app.Configuration["urls"].Should().Be("http://127.0.0.1:0");
    }
}
