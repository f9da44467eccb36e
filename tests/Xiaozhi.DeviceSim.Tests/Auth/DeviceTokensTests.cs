using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xiaozhi.DeviceSim.Auth;

namespace Xiaozhi.DeviceSim.Tests.Auth;

/// <summary>
/// The simulator does not reference Microsoft.IdentityModel, so the token is taken apart by hand here: three
/// base64url parts, an HS256 header, the claims, and an HMAC-SHA256 over <c>header.payload</c> recomputed independently.
/// </summary>
public sealed class DeviceTokensTests
{
    private const string Secret = "xiaozhi-dev-secret-change-me-before-deploying";
    private const string DeviceId = "02:00:00:00:00:2a";

    [Test]
    public void A_token_is_three_unpadded_base64url_parts()
    {
        var token = DeviceTokens.Mint(Secret, DeviceId, 1, TimeSpan.FromHours(1));

        var parts = token.Split('.');
        parts.Should().HaveCount(3);
        parts.Should().AllSatisfy(p => p.Should().NotBeEmpty().And.MatchRegex("^[A-Za-z0-9_-]+$"));
    }

    [Test]
    public void The_header_says_hs256_jwt()
    {
        var token = DeviceTokens.Mint(Secret, DeviceId, 1, TimeSpan.FromHours(1));

        using var header = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[0]));
        header.RootElement.GetProperty("alg").GetString().Should().Be("HS256");
        header.RootElement.GetProperty("typ").GetString().Should().Be("JWT");
    }

    [Test]
    public void The_claims_are_device_id_string_user_id_number_iat_and_exp()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = DeviceTokens.Mint(Secret, DeviceId, 9_007_199_254, TimeSpan.FromHours(12));
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var claims = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        var root = claims.RootElement;
        root.GetProperty("device_id").ValueKind.Should().Be(JsonValueKind.String);
        root.GetProperty("device_id").GetString().Should().Be(DeviceId);
        root.GetProperty("user_id").ValueKind.Should().Be(JsonValueKind.Number);
        root.GetProperty("user_id").GetInt64().Should().Be(9_007_199_254);
        var iat = root.GetProperty("iat").GetInt64();
        iat.Should().BeInRange(before, after);
        root.GetProperty("exp").GetInt64().Should().Be(iat + (12 * 3600));
    }

    [Test]
    public void A_negative_lifetime_gives_an_already_expired_token()
    {
        var token = DeviceTokens.Mint(Secret, DeviceId, 1, TimeSpan.FromMinutes(-5));

        using var claims = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        claims.RootElement.GetProperty("exp").GetInt64().Should().BeLessThan(claims.RootElement.GetProperty("iat").GetInt64());
    }

    [Test]
    public void Device_ids_are_json_escaped_in_the_claims()
    {
        const string odd = "dev\"ice\\中";
        var token = DeviceTokens.Mint(Secret, odd, 1, TimeSpan.FromHours(1));

        using var claims = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        claims.RootElement.GetProperty("device_id").GetString().Should().Be(odd);
    }

    [TestCase(Secret)]
    [TestCase("short")]
    [TestCase("密钥-with-non-ascii")]
    public void The_signature_validates_with_the_same_secret(string secret)
    {
        var token = DeviceTokens.Mint(secret, DeviceId, 1, TimeSpan.FromHours(1));

        Validates(token, secret).Should().BeTrue();
    }

    [Test]
    public void The_signature_is_refused_with_another_secret()
    {
        var token = DeviceTokens.Mint(Secret, DeviceId, 1, TimeSpan.FromHours(1));

        Validates(token, Secret + "x").Should().BeFalse();
        Validates(token, "another-secret").Should().BeFalse();
    }

    [Test]
    public void Tampering_with_the_claims_breaks_the_signature()
    {
        var token = DeviceTokens.Mint(Secret, DeviceId, 1, TimeSpan.FromHours(1));
        var parts = token.Split('.');
        var claims = Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace(DeviceId, "02:00:00:00:00:2b", StringComparison.Ordinal);
        var forged = parts[0] + "." + Base64UrlEncode(Encoding.UTF8.GetBytes(claims)) + "." + parts[2];

        Validates(forged, Secret).Should().BeFalse();
    }

    [Test]
    public void Tokens_for_different_devices_differ()
    {
        var a = DeviceTokens.Mint(Secret, "02:00:00:00:00:01", 1, TimeSpan.FromHours(1));
        var b = DeviceTokens.Mint(Secret, "02:00:00:00:00:02", 1, TimeSpan.FromHours(1));

        a.Split('.')[1].Should().NotBe(b.Split('.')[1]);
        a.Split('.')[2].Should().NotBe(b.Split('.')[2]);
    }

    [Test]
    public void Null_secret_or_device_is_refused()
    {
        var noSecret = () => DeviceTokens.Mint(null!, DeviceId, 1, TimeSpan.FromHours(1));
        var noDevice = () => DeviceTokens.Mint(Secret, null!, 1, TimeSpan.FromHours(1));

        noSecret.Should().Throw<ArgumentNullException>();
        noDevice.Should().Throw<ArgumentNullException>();
    }

    private static bool Validates(string token, string secret)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        return CryptographicOperations.FixedTimeEquals(expected, Base64UrlDecode(parts[2]));
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
