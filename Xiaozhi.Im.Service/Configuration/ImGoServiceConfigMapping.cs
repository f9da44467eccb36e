using System.Globalization;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Xiaozhi.Im.Service.Configuration;

/// <summary>
/// Which keys of the Go AI service's config.yaml the IM reuses:
/// <c>server.token</c> → <c>Auth:JwtSecret</c>; <c>transport.grpc.ip</c>/<c>port</c> → the default AI endpoint
/// (<c>Ai:Endpoints:0</c>); <c>transport.websocket.browser</c> → <c>WebSocket:AllowQueryIdentity</c> (query-string
/// fallbacks for browsers); <c>log.log_level</c> → <c>Logging:LogLevel:Default</c>; <c>log.log_dir</c> +
/// <c>log.log_file</c> → <c>Logging:File:Path</c> (an optional file log); <c>redis_cache.addr</c>/<c>password</c>/<c>db</c>
/// → <c>Cluster:Redis</c> (the gateway nodes share the Redis the service runs; an explicit <c>Cluster:Redis</c>, even an
/// empty one, wins).
/// </summary>
internal static class ImGoServiceConfigMapping
{
    /// <summary>A StackExchange.Redis configuration string for <c>redis_cache</c>, or null when it names no address.</summary>
    public static string? ClusterRedis(IConfiguration file)
    {
        if (file["redis_cache:addr"] is not { Length: > 0 } address)
        {
            return null;
        }

        var redis = new ConfigurationOptions { EndPoints = { address } };
        if (file["redis_cache:password"] is { Length: > 0 } password)
        {
            redis.Password = password;
        }

        if (int.TryParse(file["redis_cache:db"], NumberStyles.None, CultureInfo.InvariantCulture, out var db) && db > 0)
        {
            redis.DefaultDatabase = db;
        }

        return redis.ToString(includePassword: true);
    }

    public static IEnumerable<KeyValuePair<string, string?>> Map(IConfiguration file)
    {
        yield return new("Auth:JwtSecret", file["server:token"]);

        if (file["transport:grpc:port"] is { Length: > 0 } port)
        {
            yield return new("Ai:Endpoints:0", $"http://{GoServiceConfigFile.DialableHost(file["transport:grpc:ip"])}:{port}");
        }

        yield return new("WebSocket:AllowQueryIdentity", file["transport:websocket:browser"]);
        yield return new("Logging:LogLevel:Default", GoServiceConfigFile.ToDotnetLogLevel(file["log:log_level"]));

        if (file["log:log_file"] is { Length: > 0 } logFile)
        {
            yield return new("Logging:File:Path", Path.Combine(file["log:log_dir"] ?? string.Empty, logFile));
        }

        if (ClusterRedis(file) is { } redis)
        {
            yield return new("Cluster:Redis", redis);
        }
    }
}
