using System.Net;
using System.Net.Sockets;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests;

/// <summary>
/// The built programs, run as an operator runs them (their own appsettings.json), with one bad setting: one message
/// naming it, exit code 2, no stack trace and not the host's "Hosting failed to start".
/// </summary>
public sealed class StartupErrorTests
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(60);

    [TestCase("--Ai:Resume:MaxBufferedBytes", "0", "Ai:Resume:MaxBufferedBytes must be between 1024 and")]
    [TestCase("--Telemetry:OtlpEndpoint", "notaurl", "Telemetry:OtlpEndpoint 'notaurl' is not an http(s) URL")]
    public async Task The_im_refuses_a_bad_setting_with_one_message_and_exit_2(string setting, string value, string message)
    {
        using var im = await RunImAsync([setting, value]);
        AssertRefused(im, message);
    }

    [Test]
    public async Task The_im_refuses_a_listen_port_in_use_with_one_message_and_exit_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        using var im = await RunImAsync(["--urls", url]);
        AssertRefused(im, $"Failed to bind to address {url}: address already in use");
    }

    [TestCase("change-me")]
    [TestCase("xiaozhi-dev-secret-change-me-before-deploying")]
    public async Task The_im_refuses_a_shipped_sample_secret_in_production_with_one_line_and_exit_2(string secret)
    {
        using var im = await RunImAsync(["--Auth:JwtSecret", secret, "--environment", "Production"]);
        AssertRefused(im, "Auth:JwtSecret is a sample or development secret shipped with the gateway, refused in the Production environment");
    }

    [Test]
    public async Task In_development_the_im_starts_with_the_build_sh_secret_and_devices_connect()
    {
        E2eTarget.RequireInProcess("starts its own gateway");
        // What build.sh run / build.ps1 run start: the default XIAOZHI_JWT_SECRET, --environment Development.
        await using var gateway = await Harness.Gateway.StartAsync(new GatewayOptions
        {
            JwtSecret = "xiaozhi-dev-secret-change-me-before-deploying",
            ImArgs = ["--environment", "Development"],
        });
        await using var device = await DeviceClient.ConnectAsync(gateway);

        (await device.HelloAsync()).Get("transport").Should().Be("websocket");
    }

    [TestCase("--Stub:MaxRecordedSessions", "0", "Stub:MaxRecordedSessions must be positive")]
    [TestCase("--urls", "grpc://nowhere", "--urls / ASPNETCORE_URLS: 'grpc://nowhere' is not a listen URL")]
    public async Task The_stub_refuses_a_bad_setting_with_one_message_and_exit_2(string setting, string value, string message)
    {
        using var stub = await ChildProcess.RunAsync(
            ChildProcess.Dotnet,
            [typeof(Xiaozhi.AiService.Stub.StubApplication).Assembly.Location, "--contentRoot", Project("Xiaozhi.AiService.Stub"),
                "--urls", "http://127.0.0.1:0", "--Ota:Urls", "http://127.0.0.1:0", "--Auth:JwtSecret", "abc", setting, value],
            Path.GetTempPath(),
            ExitWithin);
        AssertRefused(stub, message);
    }

    private static Task<ChildProcess> RunImAsync(string[] bad) => ChildProcess.RunAsync(
        ChildProcess.Dotnet,
        [typeof(Xiaozhi.Im.Service.ImApplication).Assembly.Location, "--contentRoot", Project("Xiaozhi.Im.Service"),
            "--urls", "http://127.0.0.1:0", "--Management:Urls", "http://127.0.0.1:0", "--Auth:JwtSecret", "abc",
            "--Ai:Endpoints:0", "http://127.0.0.1:1", .. bad],
        Path.GetTempPath(),
        ExitWithin);

    private static void AssertRefused(ChildProcess program, string message)
    {
        program.ExitCode.Should().Be(2, "a refused start exits 2 (output:\n{0})", program.Output);
        program.Output.Should().Contain("Invalid configuration, not starting:").And.Contain("  - " + message);
        program.Output.Split('\n').Should().NotContain(line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal), "no stack trace (output:\n{0})", program.Output);
        program.Output.Should().NotContain("Hosting failed to start").And.NotContain("Unhandled exception");
    }

    private static string Project(string name) => Path.Combine(RepositoryRoot.Path, name);
}
