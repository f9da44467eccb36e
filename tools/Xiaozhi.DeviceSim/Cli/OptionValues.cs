using System.Globalization;

namespace Xiaozhi.DeviceSim.Cli;

/// <summary>
/// Numeric option values for the simulator's and the benchmark harness's command lines: invariant culture, a range, and a
/// <see cref="FormatException"/> naming the option when the value is not a number in it.
/// </summary>
public static class OptionValues
{
    /// <summary>An integer from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int Int(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be an integer from {min} to {max}.");

    /// <summary>A 64-bit integer from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static long Long(string name, string text, long min, long max) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be an integer from {min} to {max}.");

    /// <summary>A number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static double Double(string name, string text, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be a number from {min} to {max}.");
}
