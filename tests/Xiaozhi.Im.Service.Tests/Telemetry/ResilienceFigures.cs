using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Telemetry;

/// <summary>The resilience figures as the IM exports them (xiaozhi.im.resume.events / .dropped), read with MetricCollector; linked into the e2e tests.</summary>
internal sealed class ResilienceFigures : IDisposable
{
    private readonly MetricCollector<long> _events;
    private readonly MetricCollector<long> _dropped;
    private readonly MetricCollector<long> _moves;

    public ResilienceFigures(IMeterFactory meterFactory)
    {
        _events = new MetricCollector<long>(meterFactory, ImTelemetry.Name, "xiaozhi.im.resume.events");
        _dropped = new MetricCollector<long>(meterFactory, ImTelemetry.Name, "xiaozhi.im.resume.dropped");
        _moves = new MetricCollector<long>(meterFactory, ImTelemetry.Name, "xiaozhi.im.moves");
    }

    public long Resumes => Event("resumed");

    public long Migrations => Event("migrated");

    public long ResumeFailures => Event("failed");

    public long SlowConsumerCloses => Event("slow_consumer_closed");

    public long SynthesizedTtsStops => Event("tts_stop_synthesized");

    /// <summary>Sessions moved on the gateway's initiative for <paramref name="reason"/> (xiaozhi.im.moves).</summary>
    public long Moves(string reason) => _moves.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason)).Sum(m => m.Value);

    public long TotalDropped => _dropped.GetMeasurementSnapshot().Sum(m => m.Value);

    public long Dropped(ResumeDropReason reason) =>
        _dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason.ToString())).Sum(m => m.Value);

    public void Dispose()
    {
        _events.Dispose();
        _dropped.Dispose();
        _moves.Dispose();
    }

    private long Event(string name) => _events.GetMeasurementSnapshot().Where(m => Equals(m.Tags["event"], name)).Sum(m => m.Value);
}
