namespace Xiaozhi.Im.Service.Tests.Telemetry;

public sealed class TelemetryOptionsTests
{
    [TestCase("--Telemetry:OtlpEndpoint", "localhost:4317", "Telemetry:OtlpEndpoint 'localhost:4317' is not an http(s) URL")]
    [TestCase("--Telemetry:OtlpProtocol", "udp", "Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf' (got 'udp')")]
    public void Bad_telemetry_settings_stop_start_up_naming_the_setting(string key, string value, string message)
    {
        var dir = Directory.CreateTempSubdirectory("xiaozhi-telemetry-");
        try
        {
            var act = () => ImApplication.Build(["--contentRoot", dir.FullName, key, value]);

            act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage(message + "*");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_valid_otlp_endpoint_is_accepted()
    {
        var dir = Directory.CreateTempSubdirectory("xiaozhi-telemetry-");
        try
        {
            await using var app = ImApplication.Build(["--contentRoot", dir.FullName, "--Telemetry:OtlpEndpoint", "http://127.0.0.1:4317", "--Telemetry:OtlpProtocol", "http/protobuf"]);

            app.Configuration["Telemetry:OtlpEndpoint"].Should().Be("http://127.0.0.1:4317");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
