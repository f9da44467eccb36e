using System.Globalization;

namespace Xiaozhi.Bench.Hosting;

/// <summary>Per-process figures from /proc (Linux): CPU time (utime + stime), RSS, open descriptors.</summary>
public static class ProcStats
{
    /// <summary>Clock ticks per second of /proc/&lt;pid&gt;/stat (USER_HZ; 100 on every mainstream Linux).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>True when /proc is there.</summary>
    public static bool Available => File.Exists("/proc/self/stat");

    /// <summary>CPU seconds used by <paramref name="pid"/> so far (user + system).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>Resident set size of <paramref name="pid"/> in bytes (VmRSS).</summary>
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>Open file descriptors of <paramref name="pid"/>.</summary>
    public static int OpenDescriptors(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid}/fd").Length;
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>The soft limit on open files of this process ("Max open files" in /proc/self/limits).</summary>
    public static string OpenFilesLimit()
    {
        foreach (var line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 5 ? $"{parts[3]} (hard {parts[4]})" : line;
            }
        }

        return "unknown";
    }
}
