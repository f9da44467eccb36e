namespace Xiaozhi.Im.Service.Devices;

/// <summary>
/// The allow-list of device paths (<c>WebSocket:Paths</c>). Matching ignores a trailing slash and ASCII case, so
/// <c>/xiaozhi/v1</c> and <c>/xiaozhi/v1/</c> are the same; <c>/</c> matches only the root. A configured <c>*</c>
/// accepts every path.
/// </summary>
internal sealed class WebSocketPathMatcher
{
    private readonly HashSet<string> _paths;
    private readonly bool _any;

    /// <summary>Creates the matcher.</summary>
    public WebSocketPathMatcher(IEnumerable<string> paths)
    {
        _paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            if (path.Trim() == "*")
            {
                _any = true;
                continue;
            }

            _paths.Add(Normalize(path));
        }
    }

    /// <summary>True when a device may upgrade on <paramref name="path"/>.</summary>
    public bool IsAllowed(string? path) => _any || _paths.Contains(Normalize(path));

    /// <summary>Trims a trailing slash (but keeps the root) and makes sure of a leading slash.</summary>
    public static string Normalize(string? path)
    {
        var value = string.IsNullOrWhiteSpace(path) ? "/" : path.Trim();
        if (!value.StartsWith('/'))
        {
            value = "/" + value;
        }

        value = value.TrimEnd('/');
        return value.Length == 0 ? "/" : value;
    }
}
