using Xiaozhi.AiService.Stub.Hosting;

namespace Xiaozhi.AiService.Stub.Faults;

/// <summary>
/// A small HTTP control API for manual demos (on the OTA port): <c>GET /stub/faults</c> shows the state;
/// <c>POST /stub/faults/{delay?ms=N | capacity?turns=N | fail-turns?every=N | refuse?on=true | fail-after?n=N | draining?on=true | drop-all | abort-connections | goaway | error?session=S&amp;code=C&amp;message=M}</c>.
/// Cross-site browser requests get 403 (<see cref="CrossSiteRefusal"/>).
/// </summary>
internal static class FaultEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/stub/faults").AddEndpointFilter(CrossSiteRefusal.FilterAsync);
        group.MapGet("/", (StubFaults f) => State(f));
        group.MapPost("/delay", (StubFaults f, int ms) =>
        {
            if (ms < 0)
            {
                return Results.BadRequest("ms must be 0 or more");
            }

            f.ResponseDelay = TimeSpan.FromMilliseconds(ms);
            return State(f);
        });
        group.MapPost("/capacity", (StubFaults f, int turns) =>
        {
            if (turns is < 0 or > 100_000)
            {
                return Results.BadRequest("turns must be between 0 (no limit) and 100000");
            }

            f.MaxConcurrentTurns = turns;
            return State(f);
        });
        group.MapPost("/fail-turns", (StubFaults f, int? every) =>
        {
            if (every is < 0)
            {
                return Results.BadRequest("every must be 0 (off) or more");
            }

            f.FailEveryNthTurn = every is > 0 ? every : null;
            return State(f);
        });
        group.MapPost("/refuse", (StubFaults f, bool on) =>
        {
            f.RefuseNewStreams = on;
            return State(f);
        });
        group.MapPost("/fail-after", (StubFaults f, int? n) =>
        {
            f.FailStreamsAfterMessages = n is > 0 ? n : null;
            return State(f);
        });
        group.MapPost("/draining", (StubFaults f, bool on) =>
        {
            f.Draining = on;
            return State(f);
        });
        group.MapPost("/drop-all", (StubFaults f) =>
        {
            f.DropAllStreams();
            return State(f);
        });
        group.MapPost("/abort-connections", (StubFaults f) =>
        {
            f.AbortAllConnections();
            return State(f);
        });
        group.MapPost("/goaway", (StubFaults f) =>
        {
            f.GoAwayAllConnections();
            return State(f);
        });
        group.MapPost("/error", async (StubFaults f, string? session, string? code, string? message) =>
        {
            await f.SendErrorAsync(session, code ?? "stub_fault", message ?? "error injected by the stub").ConfigureAwait(false);
            return State(f);
        });
    }

    private static IResult State(StubFaults f) => Results.Json(FaultState.Of(f), StubJsonContext.Default.FaultState);
}
