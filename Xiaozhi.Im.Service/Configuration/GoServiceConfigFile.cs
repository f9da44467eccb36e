using Microsoft.Extensions.Configuration;

namespace Xiaozhi.Im.Service.Configuration;

/// <summary>
/// Lets a host read settings from the Go AI service's own <c>config.yaml</c> (the deployment keeps one
/// configuration), when <c>GoServiceConfig:Path</c> names it. The file is added as the LOWEST-priority source:
/// appsettings.json, environment variables and the command line all win over it.
/// Shared source: compiled into the IM and (linked) into the stub, each with its own key mapping.
/// </summary>
internal static class GoServiceConfigFile
{
    /// <summary>The setting that points at the Go service's config.yaml (env <c>GoServiceConfig__Path</c>).</summary>
    public const string PathKey = "GoServiceConfig:Path";

    /// <summary>Inserts the mapped file below every other source when <see cref="PathKey"/> is set.</summary>
    /// <param name="configuration">The host's configuration (sources are read top-down, later wins).</param>
    /// <param name="map">Maps the file's keys (e.g. <c>server:token</c>) to this host's keys (e.g. <c>Auth:JwtSecret</c>).</param>
    public static void AddGoServiceConfig(this IConfigurationBuilder configuration, Func<IConfiguration, IEnumerable<KeyValuePair<string, string?>>> map)
    {
        var path = (configuration as IConfiguration)?[PathKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        configuration.Sources.Insert(0, new GoServiceConfigSource(Path.GetFullPath(path), map));
    }

    /// <summary>The Go service's log level words (DEBUG, INFO, WARN, ERROR…) as .NET <c>LogLevel</c> names.</summary>
    public static string? ToDotnetLogLevel(string? goLevel) => goLevel?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => "Trace",
        "DEBUG" => "Debug",
        "INFO" or "INFORMATION" => "Information",
        "WARN" or "WARNING" => "Warning",
        "ERROR" => "Error",
        "FATAL" or "PANIC" or "CRITICAL" => "Critical",
        _ => null,
    };

    /// <summary>A dialable host for an address a server listens on (<c>0.0.0.0</c>, <c>::</c> or empty mean this machine).</summary>
    public static string DialableHost(string? listenIp) => listenIp?.Trim() switch
    {
        null or "" or "0.0.0.0" or "::" or "[::]" => "localhost",
        var ip when ip.Contains(':', StringComparison.Ordinal) && !ip.StartsWith('[') => $"[{ip}]",
        var ip => ip,
    };
}
