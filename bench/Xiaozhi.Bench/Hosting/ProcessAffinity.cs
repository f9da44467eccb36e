using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// Pins every thread of this process to a set of CPUs. <see cref="Process.ProcessorAffinity"/> on Linux sets the affinity of
/// the main thread only (sched_setaffinity with the process id); threads that already exist keep theirs, and a
/// thread inherits its creator's. The runtime's socket event thread, started before the pinning, stayed free to run on
/// the server's CPU: seen as mask 3 while the load generator drove 200 devices.
/// </summary>
public static partial class ProcessAffinity
{
    /// <summary>
    /// Pins each thread in <c>/proc/self/task</c> (and so every thread they start) to <paramref name="cpus"/>; on Windows
    /// the process mask does that already; elsewhere nothing.
    /// </summary>
    public static void PinAllThreads(CpuSet cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        if (OperatingSystem.IsWindows())
        {
            Process.GetCurrentProcess().ProcessorAffinity = (nint)cpus.Mask; // the process's mask, every thread
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var mask = cpus.Mask;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            var tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            SchedSetAffinity(tid, sizeof(ulong), ref mask); // fails only for a thread that ended meanwhile
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint cpusetsize, ref ulong mask);
}
