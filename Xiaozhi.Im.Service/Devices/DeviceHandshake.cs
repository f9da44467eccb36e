using Microsoft.AspNetCore.Http;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Devices;

/// <summary>
/// Reads a device's identity from the handshake (protocol.md §1): headers <c>Authorization</c>, <c>Protocol-Version</c>,
/// <c>Device-Id</c>, <c>Client-Id</c>, <c>Session-Id</c>, <c>Transport-Type</c>; query fallbacks <c>device-id</c>,
/// <c>client-id</c>, <c>session-id</c>, <c>transport-type</c>, <c>protocol-version</c>, <c>token</c> (bare JWT) and
/// <c>authorization</c> (<c>Bearer &lt;jwt&gt;</c>, form-encoded: <c>+</c> is a space). A non-empty query value overrides
/// the header; the <c>token</c> query wins over the <c>authorization</c> query.
/// </summary>
internal static class DeviceHandshake
{
    /// <summary>The longest id value accepted (ids travel as gRPC metadata).</summary>
    public const int MaxIdLength = 256;

    /// <summary>Parses the request's headers and raw query string (with its leading <c>?</c> or without).</summary>
    public static DeviceHandshakeResult Parse(IHeaderDictionary headers, string? queryString)
    {
        var query = FormQuery.Parse(queryString);

        string? Pick(string header, string queryName)
        {
            if (query.TryGetValue(queryName, out var fromQuery) && !string.IsNullOrEmpty(fromQuery))
            {
                return fromQuery;
            }

            var fromHeader = headers[header].ToString();
            return string.IsNullOrEmpty(fromHeader) ? null : fromHeader;
        }

        var deviceId = Pick("Device-Id", "device-id")?.Trim();
        var clientId = Pick("Client-Id", "client-id")?.Trim() ?? string.Empty;
        var sessionId = Pick("Session-Id", "session-id")?.Trim();
        var transport = Pick("Transport-Type", "transport-type")?.Trim();
        var versionText = Pick("Protocol-Version", "protocol-version")?.Trim();

        foreach (var (name, value) in new[] { ("Device-Id", deviceId), ("Client-Id", clientId), ("Session-Id", sessionId), ("Transport-Type", transport) })
        {
            if (value is not null && !IsPrintableAscii(value))
            {
                return DeviceHandshakeResult.Invalid(HandshakeProblem.BadIdHeader, $"{name} must be printable ASCII of at most {MaxIdLength} characters");
            }
        }

        var version = BinaryProtocolVersion.V1;
        if (!string.IsNullOrEmpty(versionText))
        {
            switch (versionText)
            {
                case "1": version = BinaryProtocolVersion.V1; break;
                case "2": version = BinaryProtocolVersion.V2; break;
                case "3": version = BinaryProtocolVersion.V3; break;
                default:
                    return DeviceHandshakeResult.Invalid(HandshakeProblem.BadProtocolVersion, "Protocol-Version must be 1, 2 or 3");
            }
        }

        return DeviceHandshakeResult.Ok(new DeviceIdentity(
            string.IsNullOrEmpty(deviceId) ? null : deviceId,
            clientId,
            string.IsNullOrEmpty(sessionId) ? null : sessionId,
            string.IsNullOrEmpty(transport) ? null : transport,
            version,
            ReadToken(headers, query)));
    }

    /// <summary>Parses an <see cref="HttpRequest"/>.</summary>
    public static DeviceHandshakeResult Parse(HttpRequest request) => Parse(request.Headers, request.QueryString.Value);

    private static string? ReadToken(IHeaderDictionary headers, IReadOnlyDictionary<string, string> query)
    {
        if (query.TryGetValue("token", out var bare) && !string.IsNullOrWhiteSpace(bare))
        {
            return bare.Trim();
        }

        if (query.TryGetValue("authorization", out var authorization) && !string.IsNullOrWhiteSpace(authorization))
        {
            return StripBearer(authorization);
        }

        var header = headers.Authorization.ToString();
        return string.IsNullOrWhiteSpace(header) ? null : StripBearer(header);
    }

    private static string? StripBearer(string value)
    {
        var trimmed = value.Trim();
        const string Bearer = "Bearer";
        if (trimmed.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            && (trimmed.Length == Bearer.Length || char.IsWhiteSpace(trimmed[Bearer.Length])))
        {
            trimmed = trimmed[Bearer.Length..].Trim();
        }

        return trimmed.Length == 0 ? null : trimmed;
    }

    private static bool IsPrintableAscii(string value)
    {
        if (value.Length > MaxIdLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
