using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Xiaozhi.DeviceSim.Auth;

/// <summary>
/// Mints device JWTs the way the AI service issues them (protocol.md §1): HS256 over the raw UTF-8 secret, claims
/// <c>device_id</c> (string), <c>user_id</c> (number), <c>iat</c> and <c>exp</c>. Short secrets are used as they are.
/// </summary>
public static class DeviceTokens
{
    private static readonly string Header = Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    /// <summary>A token for <paramref name="deviceId"/> valid for <paramref name="lifetime"/>.</summary>
    public static string Mint(string secret, string deviceId, long userId, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(deviceId);
        var now = DateTimeOffset.UtcNow;
        using var buffer = new MemoryStream(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("device_id", deviceId);
            json.WriteNumber("user_id", userId);
            json.WriteNumber("iat", now.ToUnixTimeSeconds());
            json.WriteNumber("exp", now.Add(lifetime).ToUnixTimeSeconds());
            json.WriteEndObject();
        }

        var signingInput = Header + "." + Base64Url(buffer.ToArray());
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
