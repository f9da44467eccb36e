using System.Globalization;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One <c>Ai:Endpoints</c> entry: a fixed <c>http(s)://</c> URL, or <c>dns:///host:port</c>, a name whose A/AAAA records
/// are the endpoints (each <c>http://address:port</c>, h2c: TLS needs a name to check the certificate against, so TLS
/// endpoints are listed as <c>https://</c> URLs).
/// </summary>
internal sealed record AiEndpointTarget(Uri? Fixed, string? DnsHost, int DnsPort)
{
    /// <summary>The scheme prefix of a DNS entry (gRPC's form: no authority, i.e. the system resolver).</summary>
    public const string DnsPrefix = "dns:///";

    /// <summary>True for a <c>dns:///</c> entry.</summary>
    public bool IsDns => DnsHost is not null;

    /// <inheritdoc />
    public override string ToString() =>
        Fixed?.ToString() ?? string.Create(CultureInfo.InvariantCulture, $"{DnsPrefix}{DnsHost}:{DnsPort}");

    /// <summary>Parses an entry; on failure <paramref name="error"/> says what is wrong (the caller names the setting).</summary>
    public static bool TryParse(string? entry, out AiEndpointTarget? target, out string error)
    {
        target = null;
        var text = entry?.Trim() ?? string.Empty;
        if (text.StartsWith("dns:", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseDns(text, out target, out error);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            error = "is not an absolute http:// or https:// URL (e.g. http://localhost:50051) nor dns:///host:port";
            return false;
        }

        target = new AiEndpointTarget(uri, null, 0);
        error = string.Empty;
        return true;
    }

    private static bool TryParseDns(string text, out AiEndpointTarget? target, out string error)
    {
        target = null;
        if (!text.StartsWith(DnsPrefix, StringComparison.OrdinalIgnoreCase))
        {
            error = "must be dns:///host:port (three slashes: the system resolver; a DNS server of its own is not supported)";
            return false;
        }

        var hostPort = text[DnsPrefix.Length..];
        var colon = hostPort.LastIndexOf(':');
        if (colon < 0 || (hostPort.StartsWith('[') && hostPort.LastIndexOf(']') > colon))
        {
            error = "needs a port: dns:///host:port (e.g. dns:///ai-headless.default.svc.cluster.local:50051)";
            return false;
        }

        var host = hostPort[..colon].TrimStart('[').TrimEnd(']');
        var portText = hostPort[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"has port '{portText}': it must be a number from 1 to 65535 (dns:///host:port)";
            return false;
        }

        if (host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = $"has host '{host}', which is not a DNS name or address (dns:///host:port)";
            return false;
        }

        target = new AiEndpointTarget(null, host, port);
        error = string.Empty;
        return true;
    }
}
