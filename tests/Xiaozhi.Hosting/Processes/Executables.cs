namespace Xiaozhi.Hosting;

/// <summary>The real tools the kit runs (redis-server, haproxy, ...): a missing one fails with what to install, never a skip.</summary>
public static class Executables
{
    private static readonly string[] WellKnown = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The full path of <paramref name="command"/> (on PATH or in the usual directories), or null.</summary>
    public static string? Find(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(WellKnown)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);

    /// <summary>The full path of <paramref name="command"/>, or an exception naming the Debian package to install.</summary>
    public static string Require(string command, string package) =>
        Find(command) ?? throw new InvalidOperationException(
            $"'{command}' is not installed, and this runs it for real: install the Debian package '{package}' (apt-get install -y {package}; ./build.sh test does it when run as root)");
}
