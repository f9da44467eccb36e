using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>
/// Issues the device token of the OTA answer: HS256 with claims <c>device_id</c> (string), <c>user_id</c> (number),
/// <c>iat</c>, <c>exp</c>.
/// </summary>
/// <remarks>
/// Deployed secrets can be 3 bytes, and IdentityModel refuses HMAC keys under 256 bits. HMAC (RFC 2104) pads a key
/// shorter than the hash block size (64 bytes for SHA-256) with zeros, so the secret zero-padded to 32 bytes gives
/// byte-identical signatures: tokens verify with the raw short secret (as the Go service and the IM do).
/// </remarks>
internal sealed class DeviceTokenIssuer(IOptions<AuthOptions> auth, IOptions<OtaOptions> ota, TimeProvider time)
{
    private const int MinimumKeyBytes = 32;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public bool IsConfigured => !string.IsNullOrEmpty(auth.Value.JwtSecret);

    public string Issue(string deviceId)
    {
        var secret = auth.Value.JwtSecret;
        if (string.IsNullOrEmpty(secret))
        {
            throw new InvalidOperationException("Auth:JwtSecret is not configured.");
        }

        var now = time.GetUtcNow();
        var key = Encoding.UTF8.GetBytes(secret);
        if (key.Length < MinimumKeyBytes)
        {
            Array.Resize(ref key, MinimumKeyBytes); // zero padding: same HMAC as the raw key (RFC 2104)
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["device_id"] = deviceId,
                ["user_id"] = ota.Value.UserId,
                [JwtRegisteredClaimNames.Iat] = now.ToUnixTimeSeconds(),
                [JwtRegisteredClaimNames.Exp] = now.AddDays(ota.Value.TokenLifetimeDays).ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        };
        return _handler.CreateToken(descriptor);
    }
}
