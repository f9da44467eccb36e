using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xiaozhi.DeviceSim.Auth;

namespace Xiaozhi.Testing.Auth;

/// <summary>
/// JWTs for tests: valid device tokens (minted by the simulator's <see cref="DeviceTokens"/>, so its tokens are
/// checked against the real gateway too) and hand-built broken or malicious ones the gateway must refuse. Signed
/// with the raw secret through HMAC, as the Go service does, so a 3-byte secret is used exactly as deployed.
/// </summary>
public static class TestTokens
{
    /// <summary>A valid device token: device_id, numeric user_id, iat, exp in an hour.</summary>
    public static string For(string secret, string deviceId, long userId = 42) =>
        DeviceTokens.Mint(secret, deviceId, userId, TimeSpan.FromHours(1));

    /// <summary>Signs any claims (a dictionary or an anonymous object) with HS256, HS384 or HS512.</summary>
    public static string Sign(string secret, object claims, string alg = "HS256")
    {
        var key = Encoding.UTF8.GetBytes(secret);
        return SignWith(new Dictionary<string, string> { ["alg"] = alg, ["typ"] = "JWT" }, claims, data => alg switch
        {
            "HS256" => HMACSHA256.HashData(key, data),
            "HS384" => HMACSHA384.HashData(key, data),
            "HS512" => HMACSHA512.HashData(key, data),
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "use Unsigned for alg none, SignWith for others"),
        });
    }

    /// <summary>An <c>alg:none</c> token with an empty signature.</summary>
    public static string Unsigned(object claims) =>
        Encode(new Dictionary<string, string> { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Encode(claims) + ".";

    /// <summary>An RS256 token signed with a fresh RSA key (an algorithm the gateway must refuse).</summary>
    public static string Rs256(object claims)
    {
        using var rsa = RSA.Create(2048);
        return SignWith(new { alg = "RS256", typ = "JWT" }, claims, data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Any header, any claims, any signature over <c>header.payload</c>.</summary>
    public static string SignWith(object header, object claims, Func<byte[], byte[]> signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var signingInput = Encode(header) + "." + Encode(claims);
        return signingInput + "." + Base64Url(signer(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>Claims of a valid token, to vary one at a time.</summary>
    public static Dictionary<string, object?> ValidClaims(string deviceId) => new()
    {
        ["device_id"] = deviceId,
        ["user_id"] = 42,
        ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
    };

    private static string Encode(object value) => Base64Url(JsonSerializer.SerializeToUtf8Bytes(value));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
