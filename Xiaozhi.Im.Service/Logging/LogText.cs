using System.Globalization;
using System.Text;

namespace Xiaozhi.Im.Service.Logging;

/// <summary>
/// Makes a value a device controls safe for a log line: control characters (C0, DEL, C1, and the Unicode line and
/// paragraph separators) become visible escapes (<c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\u001b</c>), so a value can never
/// start a forged line or drive a terminal; and the value is cut to a bound. A backslash is left as it is, so escaping
/// twice (a call site, then the file logger) changes nothing the second time.
/// </summary>
internal static class LogText
{
    /// <summary>The default bound, in characters, for a device value in a log line.</summary>
    public const int DefaultMaxLength = 256;

    /// <summary>
    /// <paramref name="value"/> with its control characters escaped and cut to <paramref name="maxLength"/> characters
    /// of the original (then <c>…(+N)</c>, N the characters left out); <c>(null)</c> for null.
    /// </summary>
    public static string Escape(string? value, int maxLength = DefaultMaxLength)
    {
        if (value is null)
        {
            return "(null)";
        }

        var keep = value.Length <= maxLength ? value.Length : maxLength;
        if (keep < value.Length && keep > 0 && char.IsHighSurrogate(value[keep - 1]))
        {
            // Never cut a surrogate pair in half.
            keep--;
        }

        if (keep == value.Length && !NeedsEscape(value))
        {
            return value;
        }

        var text = new StringBuilder(keep + 16);
        AppendEscaped(text, value.AsSpan(0, keep));
        if (keep < value.Length)
        {
            text.Append("…(+").Append((value.Length - keep).ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        return text.ToString();
    }

    /// <summary>Appends <paramref name="value"/> with its control characters escaped (no length bound).</summary>
    public static void AppendEscaped(StringBuilder text, ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!IsControl(c))
            {
                text.Append(c);
                continue;
            }

            _ = c switch
            {
                '\r' => text.Append("\\r"),
                '\n' => text.Append("\\n"),
                '\t' => text.Append("\\t"),
                _ => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
            };
        }
    }

    /// <summary>True when <paramref name="value"/> holds a character <see cref="Escape"/> would rewrite.</summary>
    public static bool NeedsEscape(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    // C0, DEL and C1 are char.IsControl; U+2028/U+2029 end a line in many viewers too.
    private static bool IsControl(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
