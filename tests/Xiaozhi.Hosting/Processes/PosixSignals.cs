using System.Globalization;
using System.Runtime.InteropServices;

namespace Xiaozhi.Hosting;

/// <summary>
/// kill(2) directly: spawning kill(1) took up to 1.6 s on a loaded machine, which counted against a measured failover.
/// </summary>
public static partial class PosixSignals
{
    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; throws when the kernel refuses.</summary>
    public static void Send(int pid, PosixSignal signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("POSIX signals are sent on Linux only");
        }

        if (Kill(pid, (int)signal) != 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}"));
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
