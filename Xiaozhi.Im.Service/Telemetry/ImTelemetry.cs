using System.Diagnostics;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>The names under which the IM publishes its metrics and traces.</summary>
internal static class ImTelemetry
{
    /// <summary>Meter and ActivitySource name.</summary>
    public const string Name = "Xiaozhi.Im";

    /// <summary>Spans: one per session, one per turn; events per message type.</summary>
    public static ActivitySource Source { get; } = new(Name);
}
