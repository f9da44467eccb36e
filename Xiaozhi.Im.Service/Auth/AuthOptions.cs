namespace Xiaozhi.Im.Service.Auth;

/// <summary>Device authentication (section <c>Auth</c>): the existing HMAC JWT scheme of the AI service.</summary>
internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Secrets shorter than this (256 bits) get a start-up warning.</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>
    /// Shorter secrets are zero-padded to this length for IdentityModel, which refuses HMAC keys shorter than the hash
    /// (256/384/512 bits). 64 bytes is at most the block size of every HMAC hash, so signatures are unchanged.
    /// </summary>
    public const int PaddedKeyBytes = 64;

    /// <summary>Whether devices must present a valid token. <c>false</c> is for development only. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The shared HMAC secret (UTF-8), the AI service's <c>server.token</c>. Required when <see cref="Enabled"/>.</summary>
    public string JwtSecret { get; set; } = string.Empty;

    /// <summary>Tolerance for <c>exp</c>/<c>nbf</c>. Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a token must carry <c>exp</c>. Default false: the existing AI service may issue tokens without one, and
    /// refusing them would lock out every such device; operators whose issuer always sets <c>exp</c> should turn it on.
    /// </summary>
    public bool RequireExpiration { get; set; }

    /// <summary>When set, the token's <c>iss</c> must equal it. Default: not checked (the existing tokens have none).</summary>
    public string? Issuer { get; set; }

    /// <summary>When set, the token's <c>aud</c> must equal it. Default: not checked.</summary>
    public string? Audience { get; set; }
}
