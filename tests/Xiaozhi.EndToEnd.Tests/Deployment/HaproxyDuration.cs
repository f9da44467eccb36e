using System.Globalization;
using System.Text.RegularExpressions;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>HAProxy's time format (<c>200ms</c>, <c>30s</c>, <c>10m</c>, <c>1h</c>, <c>1d</c>; a bare number is milliseconds).</summary>
internal static partial class HaproxyDuration
{
    public static TimeSpan Parse(string text)
    {
        var match = Format().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not an HAProxy time");
        }

        var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value switch
        {
            "" or "ms" => TimeSpan.FromMilliseconds(value),
            "us" => TimeSpan.FromMicroseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => TimeSpan.FromDays(value),
        };
    }

    [GeneratedRegex(@"^(?<value>\d+)(?<unit>us|ms|s|m|h|d)?$")]
    private static partial Regex Format();
}
