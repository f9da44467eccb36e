using System.Net;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>Which <c>Ota:Urls</c> entries listen beyond loopback (a wildcard, a LAN address or a host name).</summary>
internal static class OtaExposure
{
    /// <summary>The entries of <paramref name="urls"/> (<c>;</c>-separated) that are not loopback, as written.</summary>
    public static IEnumerable<string> NonLoopbackUrls(string? urls) =>
        (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(url => !IsLoopback(url));

    private static bool IsLoopback(string url)
    {
        // Kestrel's own wildcard spellings do not parse as URIs; they are not loopback either way.
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
