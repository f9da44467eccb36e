using System.Text.Json;
using Microsoft.Extensions.Options;
using Xiaozhi.AiService.Stub.Hosting;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>
/// The OTA stand-in: <c>POST /xiaozhi/ota/</c> tells a stock client where the IM service is and hands it a token.
/// </summary>
internal static partial class OtaEndpoints
{
    private const int MaxBodyBytes = 64 * 1024;

    public static void Map(IEndpointRouteBuilder routes) => routes.MapPost("/xiaozhi/ota/", HandleAsync).RequireCors(OtaCors.PolicyName);

    private static async Task<IResult> HandleAsync(HttpContext http, DeviceTokenIssuer tokens, IOptions<OtaOptions> ota, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(OtaEndpoints).FullName!);
        var deviceId = http.Request.Headers["Device-Id"].ToString();
        if (string.IsNullOrWhiteSpace(deviceId))
        {
            LogRejected(logger, "missing Device-Id");
            return Results.Text("Device-Id header is required", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!tokens.IsConfigured)
        {
            LogRejected(logger, "no secret configured");
            return Results.Text("Auth:JwtSecret is not configured, so the stub cannot issue device tokens", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var version = await ReadFirmwareVersionAsync(http, http.RequestAborted).ConfigureAwait(false) ?? ota.Value.DefaultFirmwareVersion;
        LogIssued(logger, deviceId.Length);
        var reply = new OtaReply(
            new OtaReply.WebSocketSection(ota.Value.WebSocketUrl, tokens.Issue(deviceId)),
            new OtaReply.ServerTimeSection(time.GetUtcNow().ToUnixTimeMilliseconds(), TimezoneOffset: 0),
            new OtaReply.FirmwareSection(version, Url: string.Empty));
        return Results.Json(reply, StubJsonContext.Default.OtaReply);
    }

    private static async Task<string?> ReadFirmwareVersionAsync(HttpContext http, CancellationToken token)
    {
        if (http.Request.ContentLength is 0 or > MaxBodyBytes)
        {
            return null;
        }

        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, token).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            if (buffer.Length == 0)
            {
                return null;
            }

            using var document = JsonDocument.Parse(buffer.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("application", out var application) && application.ValueKind == JsonValueKind.Object &&
                   application.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String &&
                   !string.IsNullOrWhiteSpace(version.GetString())
                ? version.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
