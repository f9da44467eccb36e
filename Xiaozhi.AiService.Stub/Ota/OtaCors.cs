using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Xiaozhi.AiService.Stub.Ota;

/// <summary>
/// The OTA's CORS policy: browser clients (the xiaozhi-esp32-server test page, open-xiaozhi-client) fetch the OTA from
/// their own origin, with the Device-Id / Client-Id headers, so the preflight must be answered.
/// </summary>
internal static class OtaCors
{
    public const string PolicyName = "ota";

    public static void Configure(CorsOptions cors, OtaOptions ota) => cors.AddPolicy(PolicyName, policy =>
    {
        var origins = Split(ota.CorsOrigins);
        if (origins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins(origins);
        }

        policy.WithMethods(HttpMethods.Post).AllowAnyHeader();
    });

    public static IEnumerable<string> Validate(string? origins)
    {
        var entries = Split(origins);
        if (entries.Length == 0)
        {
            yield return "Ota:CorsOrigins must name at least one origin (e.g. http://localhost:8006) or be * for any.";
            yield break;
        }

        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                continue;
            }

            if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                uri.PathAndQuery != "/" || entry.EndsWith('/'))
            {
                yield return $"Ota:CorsOrigins entries must be * or an origin such as http://localhost:8006 (scheme, host and port, no path; got '{entry}').";
            }
        }
    }

    private static string[] Split(string? origins) =>
        (origins ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
