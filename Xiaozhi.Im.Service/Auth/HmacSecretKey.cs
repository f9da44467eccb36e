using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Xiaozhi.Im.Service.Auth;

/// <summary>
/// Turns the shared secret into an IdentityModel key. HMAC (RFC 2104) zero-pads any key shorter than the hash's block
/// size (64 bytes for SHA-256, 128 for SHA-384/512), so padding a short secret with zero bytes to 64 bytes yields the
/// very same signatures as the raw secret for HS256, HS384 and HS512 — this keeps the Go sample's 3-byte secret working
/// although IdentityModel refuses HMAC keys shorter than the hash (256 bits for HS256, 512 for HS512).
/// </summary>
internal static class HmacSecretKey
{
    /// <summary>True when the secret is shorter than <see cref="AuthOptions.MinimumKeyBytes"/> (start-up warning).</summary>
    public static bool IsShort(string secret) => Encoding.UTF8.GetByteCount(secret) < AuthOptions.MinimumKeyBytes;

    /// <summary>The key bytes: the UTF-8 secret, zero-padded to 64 bytes when shorter.</summary>
    public static byte[] KeyBytes(string secret)
    {
        var raw = Encoding.UTF8.GetBytes(secret);
        if (raw.Length >= AuthOptions.PaddedKeyBytes)
        {
            return raw;
        }

        var padded = new byte[AuthOptions.PaddedKeyBytes];
        raw.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>The signing key for validation.</summary>
    public static SymmetricSecurityKey Create(string secret) => new(KeyBytes(secret));
}
