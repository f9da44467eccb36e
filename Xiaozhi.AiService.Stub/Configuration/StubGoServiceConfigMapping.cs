using Xiaozhi.Im.Service.Configuration;

namespace Xiaozhi.AiService.Stub.Configuration;

/// <summary>
/// Which keys of the Go AI service's config.yaml the stub reuses (it stands in for that service):
/// <c>server.token</c> → <c>Auth:JwtSecret</c>; <c>transport.grpc.ip</c>/<c>port</c> → its gRPC listen URL (<c>urls</c>);
/// <c>web.websocket</c> → <c>Ota:WebSocketUrl</c>; <c>log.log_level</c> → <c>Logging:LogLevel:Default</c>.
/// </summary>
internal static class StubGoServiceConfigMapping
{
    public static IEnumerable<KeyValuePair<string, string?>> Map(IConfiguration file)
    {
        yield return new("Auth:JwtSecret", file["server:token"]);

        if (file["transport:grpc:port"] is { Length: > 0 } port)
        {
            var ip = file["transport:grpc:ip"] is { Length: > 0 } listen ? listen : "localhost";
            yield return new("urls", $"http://{(ip.Contains(':', StringComparison.Ordinal) && !ip.StartsWith('[') ? $"[{ip}]" : ip)}:{port}");
        }

        yield return new("Ota:WebSocketUrl", file["web:websocket"]);
        yield return new("Logging:LogLevel:Default", GoServiceConfigFile.ToDotnetLogLevel(file["log:log_level"]));
    }
}
