using Xiaozhi.Im.Service.Auth;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Tests.Auth;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

public class OptionsValidationTests
{
    [Test]
    public void Defaults_are_valid_with_a_secret()
    {
        new AuthOptionsValidator(HostEnvironments.Production).Validate(null, new AuthOptions { JwtSecret = "abc" }).Succeeded.Should().BeTrue();
        new AiOptionsValidator().Validate(null, new AiOptions()).Succeeded.Should().BeTrue();
        new DeviceWebSocketOptionsValidator().Validate(null, new DeviceWebSocketOptions()).Succeeded.Should().BeTrue();
        new LimitsOptionsValidator().Validate(null, new LimitsOptions()).Succeeded.Should().BeTrue();
    }

    [Test]
    public void Defaults_have_the_documented_values()
    {
        var ai = new AiOptions();
        ai.EffectiveEndpoints.Should().Equal("http://localhost:50051");
        ai.MaxMessageBytes.Should().Be(16 * 1024 * 1024);
        ai.KeepAlivePingDelay.Should().Be(TimeSpan.FromSeconds(30));
        new DeviceWebSocketOptions().EffectivePaths.Should().Equal("/", "/ws", "/xiaozhi/v1/");
        new AuthOptions().Enabled.Should().BeTrue();
        new DeviceSessionOptions().DuplicateDevicePolicy.Should().Be(DuplicateDevicePolicy.Replace);
    }

    [Test]
    public void Empty_secret_with_auth_enabled_is_refused()
    {
        var result = new AuthOptionsValidator(HostEnvironments.Production).Validate(null, new AuthOptions { Enabled = true, JwtSecret = "" });
        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Auth:JwtSecret is empty but Auth:Enabled is true");
        new AuthOptionsValidator(HostEnvironments.Production).Validate(null, new AuthOptions { Enabled = false }).Succeeded.Should().BeTrue();
    }

    [Test]
    public void Keepalive_below_10_seconds_is_refused()
    {
        var result = new AiOptionsValidator().Validate(null, new AiOptions { KeepAlivePingDelay = TimeSpan.FromSeconds(5) });
        result.FailureMessage.Should().Contain("Ai:KeepAlivePingDelay must be at least 00:00:10 (got 00:00:05)");
    }

    [TestCase("localhost:50051")]
    [TestCase("ftp://host/")]
    [TestCase("not a url")]
    public void Bad_endpoint_url_is_refused(string endpoint)
    {
        var result = new AiOptionsValidator().Validate(null, new AiOptions { Endpoints = ["http://ok:1", endpoint] });
        result.FailureMessage.Should().Contain($"Ai:Endpoints:1 '{endpoint}' is not an absolute http:// or https:// URL");
    }

    [Test]
    public void No_endpoints_is_refused()
    {
        var result = new AiOptionsValidator().Validate(null, new AiOptions { Endpoints = [" "] });
        result.FailureMessage.Should().Contain("Ai:Endpoints lists no AI service endpoint");
    }

    [Test]
    public void Bad_paths_and_limits_are_refused()
    {
        new DeviceWebSocketOptionsValidator().Validate(null, new DeviceWebSocketOptions { Paths = ["ws"], MaxBinaryFrameBytes = 10 })
            .FailureMessage.Should().Contain("WebSocket:Paths entry 'ws' must start with '/'").And.Contain("WebSocket:MaxBinaryFrameBytes");
        new LimitsOptionsValidator().Validate(null, new LimitsOptions { CloseTimeout = TimeSpan.Zero })
            .FailureMessage.Should().Contain("Limits:CloseTimeout");
    }
}
