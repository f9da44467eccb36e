using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Auth;

namespace Xiaozhi.Im.Service.Tests.Auth;

/// <summary>Issue 25 B8: <c>Auth:RequireExpiration</c> refuses a token without <c>exp</c>; off, such tokens pass.</summary>
public sealed class RequireExpirationTests
{
    private const string Secret = "abc";
    private const string Device = "aa:bb:cc:dd:ee:ff";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    private DeviceTokenValidator Create(bool requireExpiration) =>
        new(Options.Create(new AuthOptions { JwtSecret = Secret, RequireExpiration = requireExpiration }), _time, NullLogger<DeviceTokenValidator>.Instance);

    private string WithExp(TimeSpan fromNow) =>
        TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, exp = _time.GetUtcNow().Add(fromNow).ToUnixTimeSeconds() });

    [Test]
    public async Task Off_by_default_a_token_without_exp_passes()
    {
        new AuthOptions().RequireExpiration.Should().BeFalse();
        (await Create(requireExpiration: false).ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 }), Device))
            .Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task On_a_token_without_exp_is_refused_with_its_reason()
    {
        var result = await Create(requireExpiration: true).ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 }), Device);

        result.Succeeded.Should().BeFalse();
        result.FailureReason.Should().Be("token has no exp (required)");
    }

    [Test]
    public async Task On_a_token_with_exp_passes_and_an_expired_one_is_still_expired()
    {
        var validator = Create(requireExpiration: true);

        (await validator.ValidateAsync(WithExp(TimeSpan.FromHours(1)), Device)).Succeeded.Should().BeTrue();
        (await validator.ValidateAsync(WithExp(TimeSpan.FromHours(-1)), Device)).FailureReason.Should().Be("token expired");
    }
}
