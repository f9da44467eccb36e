using System.Diagnostics;
using System.Globalization;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>Signals for child processes (SIGSTOP a Redis, SIGKILL a node without any cleanup), through kill(1).</summary>
internal static class PosixSignal
{
    public const string Kill = "KILL";
    public const string Continue = "CONT";
    public const string Stop = "STOP";

    public static void Send(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {signal} {pid} failed with exit code {kill.ExitCode}");
        }
    }
}
