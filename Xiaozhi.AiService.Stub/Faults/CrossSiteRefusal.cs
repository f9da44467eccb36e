namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>
/// Refuses browser requests to the fault API that another site's page started: a page may POST to any address
/// without a preflight (a "simple" request), so a visited page could drive the stub on the developer's machine.
/// curl and test clients send neither header and pass.
/// </summary>
internal static partial class CrossSiteRefusal
{
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (Reason(http.Request) is { } reason)
        {
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CrossSiteRefusal).FullName!);
            LogRefused(logger, reason);
            return Results.Text("cross-site requests to the fault API are refused", statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>Why the request is cross-site, or null when it is same-origin or not from a browser.</summary>
    internal static string? Reason(HttpRequest request)
    {
        // "none" is a navigation the user typed; anything else but same-origin came from another page.
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
        {
            return "Sec-Fetch-Site is not same-origin";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return "Origin is another site";
        }

        return null;
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Warning, Message = "Fault API: cross-site request refused ({Reason})")]
    private static partial void LogRefused(ILogger logger, string reason);
}
