using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// Hand-built JWTs (header.payload.signature, base64url), including the broken and malicious ones the
/// gateway must refuse. Signed with the raw secret through HMACSHA256, as the Go service does, so a
/// 3-byte secret is used exactly as deployed.
/// </summary>
public static class TestTokens
{
    /// <summary>A valid device token: device_id, numeric user_id, iat, exp in an hour.</summary>
    public static string For(string secret, string deviceId, long userId = 42) =>
        Sign(secret, new Dictionary<string, object?>
        {
            ["device_id"] = deviceId,
            ["user_id"] = userId,
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        });

    /// <summary>Signs any claims with HS256.</summary>
    public static string Sign(string secret, IReadOnlyDictionary<string, object?> claims, string alg = "HS256")
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = alg, ["typ"] = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signingInput = $"{header}.{payload}";
        var signature = alg switch
        {
            "HS256" => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput)),
            "HS384" => HMACSHA384.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput)),
            "HS512" => HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput)),
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "use Unsigned for alg none"),
        };
        return $"{signingInput}.{Base64Url(signature)}";
    }

    /// <summary>An <c>alg:none</c> token with an empty signature.</summary>
    public static string Unsigned(IReadOnlyDictionary<string, object?> claims)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "none", ["typ"] = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        return $"{header}.{payload}.";
    }

    /// <summary>Claims of a valid token, to vary one at a time.</summary>
    public static Dictionary<string, object?> ValidClaims(string deviceId) => new()
    {
        ["device_id"] = deviceId,
        ["user_id"] = 42,
        ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
    };

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
