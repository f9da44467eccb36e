using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Xiaozhi.Im.Service.Auth;

/// <summary>
/// Validates a device's JWT with Microsoft.IdentityModel: HMAC only (HS256/384/512), <c>exp</c> when present with
/// <see cref="AuthOptions.ClockSkew"/> (required with <see cref="AuthOptions.RequireExpiration"/>), string <c>device_id</c> equal to the <c>Device-Id</c>, numeric <c>user_id</c>.
/// </summary>
internal sealed partial class DeviceTokenValidator
{
    /// <summary>The only algorithms accepted.</summary>
    public static IReadOnlyList<string> AllowedAlgorithms { get; } =
        [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly ILogger<DeviceTokenValidator> _logger;

    /// <summary>Creates the validator from the bound options.</summary>
    public DeviceTokenValidator(IOptions<AuthOptions> options, TimeProvider timeProvider, ILogger<DeviceTokenValidator> logger)
    {
        var auth = options.Value;
        _logger = logger;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = HmacSecretKey.Create(auth.JwtSecret ?? string.Empty),
            ValidAlgorithms = AllowedAlgorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = auth.RequireExpiration,
            ValidateLifetime = true,
            ClockSkew = auth.ClockSkew,
            ValidateIssuer = !string.IsNullOrEmpty(auth.Issuer),
            ValidIssuer = auth.Issuer,
            ValidateAudience = !string.IsNullOrEmpty(auth.Audience),
            ValidAudience = auth.Audience,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = true,
            // Lifetime against the injected clock (exp when present or required; nbf when present), with the configured
            // skew. The delegate replaces the handler's own checks, RequireExpirationTime included, so it checks that too.
            LifetimeValidator = (notBefore, expires, _, _) =>
                CheckLifetime(notBefore, expires, timeProvider.GetUtcNow().UtcDateTime, auth.ClockSkew, auth.RequireExpiration),
        };
    }

    private static bool CheckLifetime(DateTime? notBefore, DateTime? expires, DateTime now, TimeSpan skew, bool requireExpiration)
    {
        if (expires is null && requireExpiration)
        {
            throw new SecurityTokenNoExpirationException("token has no exp");
        }

        if (expires is { } exp && now - skew >= exp)
        {
            throw new SecurityTokenExpiredException("token expired") { Expires = exp };
        }

        if (notBefore is { } nbf && now + skew < nbf)
        {
            throw new SecurityTokenNotYetValidException("token not yet valid") { NotBefore = nbf };
        }

        return true;
    }

    /// <summary>Validates <paramref name="token"/> (the bare JWT) for <paramref name="deviceId"/>.</summary>
    public async Task<DeviceTokenResult> ValidateAsync(string? token, string? deviceId)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return DeviceTokenResult.Failure("missing token (Authorization: Bearer <jwt>, or the token query parameter)");
        }

        if (string.IsNullOrEmpty(deviceId))
        {
            return DeviceTokenResult.Failure("Device-Id is required");
        }

        if (!_handler.CanReadToken(token))
        {
            return DeviceTokenResult.Failure("malformed token");
        }

        JsonWebToken unvalidated;
        try
        {
            unvalidated = _handler.ReadJsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return DeviceTokenResult.Failure("malformed token");
        }

        if (!AllowedAlgorithms.Contains(unvalidated.Alg, StringComparer.Ordinal))
        {
            return DeviceTokenResult.Failure($"token algorithm '{Cut(unvalidated.Alg)}' is not allowed (HMAC only)");
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            LogRejectedByHandler(_logger, result.Exception?.GetType().Name ?? "unknown");
            return DeviceTokenResult.Failure(Describe(result.Exception));
        }

        return CheckClaims(((JsonWebToken)result.SecurityToken).EncodedPayload, deviceId);
    }

    private static DeviceTokenResult CheckClaims(string encodedPayload, string deviceId)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedPayload));
        var root = payload.RootElement;
        if (!root.TryGetProperty("device_id", out var tokenDevice) || tokenDevice.ValueKind != JsonValueKind.String)
        {
            return DeviceTokenResult.Failure("token has no device_id string claim");
        }

        if (!string.Equals(tokenDevice.GetString(), deviceId, StringComparison.Ordinal))
        {
            return DeviceTokenResult.Failure("device_id does not match Device-Id");
        }

        if (!root.TryGetProperty("user_id", out var userId))
        {
            return DeviceTokenResult.Failure("token has no user_id claim");
        }

        if (userId.ValueKind != JsonValueKind.Number)
        {
            return DeviceTokenResult.Failure("user_id claim must be a number");
        }

        return DeviceTokenResult.Success(userId.TryGetInt64(out var integer)
            ? integer.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : userId.GetRawText());
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNoExpirationException => "token has no exp (required)",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenInvalidLifetimeException => "token lifetime invalid",
        SecurityTokenInvalidAlgorithmException => "token algorithm not allowed (HMAC only)",
        SecurityTokenSignatureKeyNotFoundException => "invalid token signature",
        SecurityTokenInvalidSignatureException => "invalid token signature",
        SecurityTokenInvalidIssuerException => "token issuer not accepted",
        SecurityTokenInvalidAudienceException => "token audience not accepted",
        SecurityTokenMalformedException => "malformed token",
        _ => "invalid token",
    };

    private static string Cut(string? value) =>
        string.IsNullOrEmpty(value) ? "(none)" : value.Length <= 16 ? value : value[..16];
}
