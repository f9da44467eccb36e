using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// What the node shares with each of its sessions: where a resume gets its new stream, the clock, the loggers, the
/// metrics and the memory budget for kept frames.
/// </summary>
internal sealed record SessionNode(
    IChatStreamSource Streams,
    TimeProvider Time,
    SessionLoggers Loggers,
    ImMetrics Metrics,
    NodeBufferBudget Budget)
{
    /// <summary>The host's pool, clock, loggers, metrics and budget.</summary>
    public static SessionNode From(IServiceProvider services) => new(
        services.GetRequiredService<AiEndpointPool>(),
        services.GetRequiredService<TimeProvider>(),
        SessionLoggers.From(services.GetRequiredService<ILoggerFactory>()),
        services.GetRequiredService<ImMetrics>(),
        services.GetRequiredService<NodeBufferBudget>());
}
