namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>The shared JWT secret (<c>Auth:JwtSecret</c>, env <c>Auth__JwtSecret</c>), the same setting the IM service uses.</summary>
internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The HMAC secret; any length (the Go sample uses 3 bytes). Unset: OTA answers 503.</summary>
    public string? JwtSecret { get; set; }
}
