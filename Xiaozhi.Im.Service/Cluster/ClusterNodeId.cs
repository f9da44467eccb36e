using System.Globalization;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The default node id: host name and device port, stable across restarts of the same node.</summary>
internal static class ClusterNodeId
{
    public static string Resolve(string? configured, string? urls, string hostName)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var port = 8000;
        var first = (urls ?? ImApplication.DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is not null)
        {
            // Kestrel accepts wildcard hosts (http://*:8000, http://+:8000) that Uri does not: only the port matters.
            var colon = first.LastIndexOf(':');
            var end = first.IndexOf('/', colon + 1);
            var text = colon < 0 ? null : end < 0 ? first[(colon + 1)..] : first[(colon + 1)..end];
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                port = parsed;
            }
            else if (first.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
            {
                port = 443;
            }
            else
            {
                port = 80;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{hostName}:{port}");
    }
}
