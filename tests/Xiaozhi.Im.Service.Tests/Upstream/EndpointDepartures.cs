using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Upstream;

/// <summary>An endpoint's departure for tests that do not look at it: on the test's clock, no metric, no peers asked.</summary>
internal static class EndpointDepartures
{
    public static Func<Uri, ILogger, EndpointDeparture> On(TimeProvider time, AiOptions options) =>
        (uri, logger) => new EndpointDeparture(uri, options.Moves.SpreadWindow, time, Random.Shared, logger);
}
