using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Auth;

namespace Xiaozhi.Im.Service.Tests.Auth;

/// <summary><c>iss</c> and <c>aud</c> are checked only when configured (the Go service issues neither).</summary>
public sealed class IssuerAudienceTests
{
    private const string Secret = "abc";
    private const string Device = "aa:bb:cc:dd:ee:ff";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private DeviceTokenValidator Create(string? issuer = null, string? audience = null) =>
        new(Options.Create(new AuthOptions { JwtSecret = Secret, Issuer = issuer, Audience = audience }), _time, NullLogger<DeviceTokenValidator>.Instance);

    [Test]
    public async Task Without_configuration_tokens_without_iss_and_aud_pass_and_any_iss_and_aud_are_ignored()
    {
        (await Create().ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 }), Device)).Succeeded.Should().BeTrue();
        (await Create().ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, iss = "x", aud = "y" }), Device)).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task Configured_issuer_must_match()
    {
        var validator = Create(issuer: "xiaozhi-ota");

        (await validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, iss = "xiaozhi-ota" }), Device)).Succeeded.Should().BeTrue();
        var wrong = await validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, iss = "someone-else" }), Device);
        var missing = await validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 }), Device);

        wrong.Succeeded.Should().BeFalse();
        wrong.FailureReason.Should().ContainEquivalentOf("issuer");
        missing.Succeeded.Should().BeFalse();
    }

    [Test]
    public async Task Configured_audience_must_match()
    {
        var validator = Create(audience: "xiaozhi-im");

        (await validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, aud = "xiaozhi-im" }), Device)).Succeeded.Should().BeTrue();
        var wrong = await validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, aud = "other" }), Device);
        var missing = await validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 }), Device);

        wrong.Succeeded.Should().BeFalse();
        wrong.FailureReason.Should().ContainEquivalentOf("audience");
        missing.Succeeded.Should().BeFalse();
    }
}
