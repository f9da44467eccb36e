using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>The resilience settings of issue 4: defaults as documented, bad values refused with a message naming the setting.</summary>
public class ResilienceOptionsValidationTests
{
    private static string AiFailure(Action<AiOptions> change)
    {
        var options = new AiOptions();
        change(options);
        var result = new AiOptionsValidator().Validate(null, options);
        result.Failed.Should().BeTrue();
        return result.FailureMessage!;
    }

    private static string LimitsFailure(LimitsOptions options)
    {
        var result = new LimitsOptionsValidator().Validate(null, options);
        result.Failed.Should().BeTrue();
        return result.FailureMessage!;
    }

    [Test]
    public void Defaults_are_the_documented_ones()
    {
        var ai = new AiOptions();
        ai.KeepAlivePingTimeout.Should().Be(TimeSpan.FromSeconds(10));
        ai.HealthCheckInterval.Should().Be(TimeSpan.FromSeconds(15));
        ai.HealthCheckTimeout.Should().Be(TimeSpan.FromSeconds(3));
        ai.ReconnectInitialBackoff.Should().Be(TimeSpan.FromMilliseconds(100));
        ai.ReconnectMaxBackoff.Should().Be(TimeSpan.FromSeconds(5));
        ai.Resume.InitialBackoff.Should().Be(TimeSpan.FromMilliseconds(100));
        ai.Resume.MaxBackoff.Should().Be(TimeSpan.FromSeconds(5));
        ai.Resume.Timeout.Should().Be(TimeSpan.FromSeconds(10));
        ai.Resume.MaxHeldFrames.Should().Be(256);
        ai.Resume.MaxHeldBytes.Should().Be(1024 * 1024);
        ai.Resume.MaxReplayFrames.Should().Be(256);
        ai.Resume.MaxReplayBytes.Should().Be(1024 * 1024);
        ai.Resume.MaxBufferAge.Should().Be(TimeSpan.FromSeconds(10));
        var limits = new LimitsOptions();
        limits.DeviceSendTimeout.Should().Be(TimeSpan.FromSeconds(10));
        limits.DrainTimeout.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Test]
    public void Health_check_settings_are_validated()
    {
        AiFailure(o => o.HealthCheckInterval = TimeSpan.FromMilliseconds(50))
            .Should().Contain("Ai:HealthCheckInterval must be at least 00:00:00.1 (got 00:00:00.0500000)");
        AiFailure(o => o.HealthCheckTimeout = TimeSpan.Zero)
            .Should().Contain("Ai:HealthCheckTimeout must be greater than 0 (got 00:00:00)");
        AiFailure(o => o.KeepAlivePingTimeout = TimeSpan.Zero)
            .Should().Contain("Ai:KeepAlivePingTimeout must be greater than 0");
    }

    [Test]
    public void Channel_reconnect_backoff_is_validated()
    {
        AiFailure(o => o.ReconnectInitialBackoff = TimeSpan.Zero)
            .Should().Contain("Ai:ReconnectInitialBackoff must be greater than 0 and Ai:ReconnectMaxBackoff at least as large");
        AiFailure(o => o.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(10))
            .Should().Contain("(got 00:00:00.1000000 and 00:00:00.0100000)");
    }

    [Test]
    public void Resume_settings_are_validated()
    {
        AiFailure(o => o.Resume.InitialBackoff = TimeSpan.Zero)
            .Should().Contain("Ai:Resume:InitialBackoff must be greater than 0 and Ai:Resume:MaxBackoff at least as large");
        AiFailure(o => o.Resume.MaxBackoff = TimeSpan.FromMilliseconds(1))
            .Should().Contain("Ai:Resume:MaxBackoff at least as large (got 00:00:00.1000000 and 00:00:00.0010000)");
        AiFailure(o => o.Resume.Timeout = TimeSpan.Zero)
            .Should().Contain("Ai:Resume:Timeout must be greater than 0 (got 00:00:00)");
        AiFailure(o => o.Resume.MaxHeldFrames = 0)
            .Should().Contain("Ai:Resume:MaxHeldFrames must be between 1 and 65536 (got 0)");
        AiFailure(o => o.Resume.MaxHeldBytes = 100)
            .Should().Contain("Ai:Resume:MaxHeldBytes must be between 1024 and 268435456 (got 100)");
        AiFailure(o => o.Resume.MaxReplayFrames = 65537)
            .Should().Contain("Ai:Resume:MaxReplayFrames must be between 1 and 65536 (got 65537)");
        AiFailure(o => o.Resume.MaxReplayBytes = 100)
            .Should().Contain("Ai:Resume:MaxReplayBytes must be between 1024 and 268435456 (got 100)");
        AiFailure(o => o.Resume.MaxBufferAge = TimeSpan.Zero)
            .Should().Contain("Ai:Resume:MaxBufferAge must be greater than 0");
        AiFailure(o => o.Resume = null!).Should().Contain("Ai:Resume is missing.");
    }

    [Test]
    public void Send_and_drain_timeouts_are_validated()
    {
        LimitsFailure(new LimitsOptions { DeviceSendTimeout = TimeSpan.Zero })
            .Should().Contain("Limits:DeviceSendTimeout must be greater than 0 (got 00:00:00)");
        LimitsFailure(new LimitsOptions { DrainTimeout = TimeSpan.FromSeconds(-1) })
            .Should().Contain("Limits:DrainTimeout must be between 0 and 00:10:00 (got -00:00:01)");
        LimitsFailure(new LimitsOptions { DrainTimeout = TimeSpan.FromMinutes(11) })
            .Should().Contain("Limits:DrainTimeout must be between 0 and 00:10:00 (got 00:11:00)");
        new LimitsOptionsValidator().Validate(null, new LimitsOptions { DrainTimeout = TimeSpan.Zero }).Succeeded.Should().BeTrue("0 = close at once");
    }
}
