using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Tests.Conversation;
using Xiaozhi.AiService.Stub.Tests.Infrastructure;
using Xiaozhi.Hosting;

namespace Xiaozhi.AiService.Stub.Tests.Hosting;

public sealed class HostingTests
{
    [Test]
    public async Task Addresses_are_the_real_bound_ports_on_loopback()
    {
        await using var host = await StubHost.StartAsync();
        host.GrpcAddress.Host.Should().Be("127.0.0.1");
        host.GrpcAddress.Port.Should().BeGreaterThan(0);
        host.OtaAddress.Port.Should().BeGreaterThan(0).And.NotBe(host.GrpcAddress.Port);
        host.GrpcAddress.Scheme.Should().Be("http");
    }

    [Test]
    public async Task Ota_routes_are_not_served_on_the_grpc_port()
    {
        await using var host = await StubHost.StartAsync();
        using var http = new HttpClient { DefaultRequestVersion = new Version(2, 0), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.GetAsync(new Uri(host.GrpcAddress, "/stub/faults"));
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    [TestCase("Stub:VadSilenceMs", "0", "Stub:VadSilenceMs must be between 1 and 60000")]
    [TestCase("Stub:MaxRecordedRequestsPerSession", "-1", "Stub:MaxRecordedRequestsPerSession must be 0 (record none) or more")]
    public async Task Invalid_settings_fail_start_up_with_a_message_naming_the_setting(string setting, string value, string message)
    {
        var app = StubApplication.Build(["--urls", "http://127.0.0.1:0", "--Ota:Urls", "http://127.0.0.1:0", "--" + setting, value, "--contentRoot", Path.GetTempPath()]);
        try
        {
            var start = () => app.StartAsync();
            (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(message);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Test]
    public void A_bad_listen_url_fails_the_build_with_a_message()
    {
        var build = () => StubApplication.Build(["--urls", "grpc://nowhere", "--contentRoot", Path.GetTempPath()]);
        build.Should().Throw<OptionsValidationException>().WithMessage("*--urls*grpc://nowhere*");
    }

    [Test]
    public async Task Help_lists_the_settings_and_exits_0()
    {
        using var process = await ChildProcess.RunAsync(
            new ChildProcessOptions("stub --help", typeof(StubApplication).Assembly.Location) { Arguments = ["--help"] }, TimeSpan.FromSeconds(30));
        var output = process.Output;
        process.ExitCode.Should().Be(0);
        output.Should().Contain("--urls").And.Contain("Ota:Urls").And.Contain("Ota:WebSocketUrl").And.Contain("Auth:JwtSecret")
            .And.Contain("Stub:PacingEnabled").And.Contain("Stub:Faults:MaxConnectionAgeSeconds");
    }

    [Test]
    public async Task Bad_input_on_one_stream_does_not_affect_another()
    {
        await using var host = await StubHost.StartAsync();
        await using var bad = host.Open();
        await using var good = host.Open();
        await bad.HelloAsync();
        await good.HelloAsync();

        await bad.SendTextAsync("""{"no":"type"}""");
        await bad.SendTextAsync("""{"type":"image","image_data":{"data":"%%%","format":"png"}}""");
        await bad.SendTextAsync("""{"type":"vision"}""");
        (await bad.NextErrorAsync()).ErrorCode.Should().Be("missing_type");
        (await bad.NextErrorAsync()).ErrorCode.Should().Be("image_invalid_base64");
        (await bad.NextErrorAsync()).ErrorCode.Should().Be("vision_missing_cmd");

        await good.ExpectNothingAsync();
        await good.SendTextAsync(Json.Of(new { type = "chat", text = "fine" }));
        (await good.ReadTurnAsync()).SttText.Should().Be("fine");

        // And the bad stream itself keeps working.
        await VoiceTurnTests.PingBarrierAsync(bad);
        await bad.SendTextAsync(Json.Of(new { type = "chat", text = "still here" }));
        (await bad.ReadTurnAsync()).SttText.Should().Be("still here");
    }
}
