using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xiaozhi.Im.Service.Auth;

namespace Xiaozhi.Im.Service.Tests.Auth;

public class DeviceTokenValidatorTests
{
    private const string Secret = "abc";
    private const string Device = "aa:bb:cc:dd:ee:ff";
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider _time = null!;
    private DeviceTokenValidator _validator = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Now);
        _validator = Create(Secret);
    }

    private DeviceTokenValidator Create(string secret) =>
        new(Options.Create(new AuthOptions { JwtSecret = secret, ClockSkew = TimeSpan.FromSeconds(30) }), _time, NullLogger<DeviceTokenValidator>.Instance);

    private static long Unix(DateTimeOffset time) => time.ToUnixTimeSeconds();

    [Test]
    public async Task Three_byte_secret_token_signed_with_raw_HMACSHA256_validates()
    {
        // Built by hand: header.payload signed by HMACSHA256 over the raw 3-byte key, exactly as the Go service signs.
        var header = Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        var payload = Base64Url("{\"device_id\":\"" + Device + "\",\"user_id\":42,\"iat\":" + Unix(Now) + "}");
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes("abc"), Encoding.ASCII.GetBytes(header + "." + payload));
        var token = header + "." + payload + "." + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(signature);

        var result = await _validator.ValidateAsync(token, Device);

        result.Should().Be(DeviceTokenResult.Success("42"));
        HmacSecretKey.IsShort("abc").Should().BeTrue();
        HmacSecretKey.KeyBytes("abc").Should().HaveCount(64).And.StartWith("abc"u8.ToArray());
    }

    [TestCase("HS256")]
    [TestCase("HS384")]
    [TestCase("HS512")]
    public async Task All_hmac_algorithms_with_short_and_long_secrets(string alg)
    {
        foreach (var secret in new[] { "abc", "a-32-byte-secret-0123456789abcdef", new string('k', 100) })
        {
            var token = TestTokens.Sign(secret, new { device_id = Device, user_id = 7 }, alg);
            (await Create(secret).ValidateAsync(token, Device)).Succeeded.Should().BeTrue($"{alg} with a {secret.Length}-byte secret");
        }
    }

    [Test]
    public async Task No_token() =>
        (await _validator.ValidateAsync(null, Device)).FailureReason.Should().StartWith("missing token");

    [Test]
    public async Task Garbage_token() =>
        (await _validator.ValidateAsync("not-a-jwt", Device)).FailureReason.Should().Be("malformed token");

    [Test]
    public async Task Bad_signature()
    {
        var token = TestTokens.Sign("other-secret", new { device_id = Device, user_id = 1 });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("invalid token signature");
    }

    [Test]
    public async Task Tampered_payload()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 });
        var parts = token.Split('.');
        var forged = TestTokens.Sign("x", new { device_id = Device, user_id = 2 }).Split('.')[1];
        (await _validator.ValidateAsync(parts[0] + "." + forged + "." + parts[2], Device)).FailureReason.Should().Be("invalid token signature");
    }

    [Test]
    public async Task Expired()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, exp = Unix(Now.AddMinutes(-5)) });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("token expired");
    }

    [Test]
    public async Task Expired_within_the_clock_skew_is_accepted()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device, user_id = 1, exp = Unix(Now.AddSeconds(-10)) });
        (await _validator.ValidateAsync(token, Device)).Succeeded.Should().BeTrue();
        _time.Advance(TimeSpan.FromSeconds(25));
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("token expired", "the injected clock moved past exp + skew");
    }

    [Test]
    public async Task Token_without_exp_is_accepted()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 });
        (await _validator.ValidateAsync(token, Device)).Succeeded.Should().BeTrue();
    }

    [Test]
    public async Task Alg_none_is_rejected()
    {
        var token = TestTokens.Unsigned(new { device_id = Device, user_id = 1 });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("token algorithm 'none' is not allowed (HMAC only)");
    }

    [Test]
    public async Task Rs256_is_rejected()
    {
        var token = TestTokens.Rs256(new { device_id = Device, user_id = 1 });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("token algorithm 'RS256' is not allowed (HMAC only)");
    }

    [Test]
    public async Task Es256_header_is_rejected()
    {
        var token = TestTokens.SignWith(new { alg = "ES256", typ = "JWT" }, new { device_id = Device, user_id = 1 }, _ => new byte[64]);
        (await _validator.ValidateAsync(token, Device)).Succeeded.Should().BeFalse();
    }

    [Test]
    public async Task Key_confusion_with_an_embedded_key_is_rejected()
    {
        // HS256 signed with a key the attacker chose and advertised in the header (jwk): the IM only trusts its own secret.
        var attackerKey = "attacker-key-attacker-key-attacker-key";
        var header = new { alg = "HS256", typ = "JWT", jwk = new { kty = "oct", k = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(attackerKey) } };
        var token = TestTokens.SignWith(header, new { device_id = Device, user_id = 1 }, data => HMACSHA256.HashData(Encoding.UTF8.GetBytes(attackerKey), data));
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("invalid token signature");
    }

    [Test]
    public async Task Device_mismatch()
    {
        var token = TestTokens.Sign(Secret, new { device_id = "11:22:33:44:55:66", user_id = 1 });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("device_id does not match Device-Id");
        (await _validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device.ToUpperInvariant(), user_id = 1 }), Device))
            .Succeeded.Should().BeFalse("the match is exact");
    }

    [Test]
    public async Task Missing_device_id_claim_or_header()
    {
        (await _validator.ValidateAsync(TestTokens.Sign(Secret, new { user_id = 1 }), Device)).FailureReason.Should().Be("token has no device_id string claim");
        (await _validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = 5, user_id = 1 }), Device)).FailureReason.Should().Be("token has no device_id string claim");
        (await _validator.ValidateAsync(TestTokens.Sign(Secret, new { device_id = Device, user_id = 1 }), null)).FailureReason.Should().Be("Device-Id is required");
    }

    [Test]
    public async Task Missing_user_id()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("token has no user_id claim");
    }

    [Test]
    public async Task User_id_as_string()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device, user_id = "42" });
        (await _validator.ValidateAsync(token, Device)).FailureReason.Should().Be("user_id claim must be a number");
    }

    [Test]
    public async Task Large_user_id_is_kept_exactly()
    {
        var token = TestTokens.Sign(Secret, new { device_id = Device, user_id = 9_007_199_254_740_993L });
        (await _validator.ValidateAsync(token, Device)).UserId.Should().Be("9007199254740993");
    }

    private static string Base64Url(string json) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
}
