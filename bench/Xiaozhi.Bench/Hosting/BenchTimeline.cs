using System.Diagnostics;
using System.Globalization;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// An optional timeline for diagnosing a run (<c>XIAOZHI_BENCH_TIMELINE=/tmp/timeline.log ./build.sh bench …</c>):
/// every line a server child prints and the harness's own marks (stub killed, listening again, …), each stamped with
/// milliseconds since the harness started, in one file. Raise a child's log level with e.g.
/// <c>--server-env Logging__LogLevel__Xiaozhi=Information</c>. Off (no cost) when the variable is unset.
/// </summary>
public static class BenchTimeline
{
    /// <summary>The environment variable naming the file.</summary>
    public const string EnvironmentVariable = "XIAOZHI_BENCH_TIMELINE";

    private static readonly long Started = Stopwatch.GetTimestamp();
    private static readonly StreamWriter? Writer = Open();

    /// <summary>True when a timeline is being written.</summary>
    public static bool Enabled => Writer is not null;

    /// <summary>A mark of the harness's own.</summary>
    public static void Mark(string text) => Write("harness", text);

    /// <summary>One line from <paramref name="source"/>.</summary>
    public static void Write(string source, string line) => Write(source, line, Stopwatch.GetTimestamp());

    /// <summary>One line from <paramref name="source"/> about the moment <paramref name="timestamp"/> (a Stopwatch timestamp).</summary>
    public static void Write(string source, string line, long timestamp)
    {
        if (Writer is null)
        {
            return;
        }

        var ms = Stopwatch.GetElapsedTime(Started, timestamp).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
        lock (Writer)
        {
            Writer.WriteLine($"{ms,10} [{source}] {line}");
        }
    }

    private static StreamWriter? Open()
    {
        var path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrEmpty(path) ? null : new StreamWriter(path, append: false) { AutoFlush = true };
    }
}
