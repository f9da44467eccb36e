namespace Xiaozhi.Im.Service.Devices;

/// <summary>
/// Parses a query string as <c>application/x-www-form-urlencoded</c>: <c>+</c> is a space, then percent-decoding.
/// (ASP.NET's <c>Request.Query</c> leaves <c>+</c> alone, which breaks <c>authorization=Bearer+eyJ…</c>.)
/// Names are case-insensitive; the first non-empty value of a name wins.
/// </summary>
internal static class FormQuery
{
    /// <summary>Parses <paramref name="queryString"/> (with or without the leading <c>?</c>).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? queryString)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(queryString))
        {
            return values;
        }

        var span = queryString.AsSpan();
        if (span[0] == '?')
        {
            span = span[1..];
        }

        foreach (var range in span.Split('&'))
        {
            var pair = span[range];
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            if (name.Length == 0)
            {
                continue;
            }

            if (!values.TryGetValue(name, out var existing) || existing.Length == 0)
            {
                values[name] = value;
            }
        }

        return values;
    }

    /// <summary>Form-decodes one name or value.</summary>
    public static string Decode(ReadOnlySpan<char> encoded)
    {
        var withSpaces = encoded.ToString().Replace('+', ' ');
        try
        {
            return Uri.UnescapeDataString(withSpaces);
        }
        catch (UriFormatException)
        {
            return withSpaces;
        }
    }
}
