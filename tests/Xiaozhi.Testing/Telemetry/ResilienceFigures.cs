using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Xiaozhi.Testing.Telemetry;

/// <summary>
/// The resilience figures as the IM exports them (xiaozhi.im.resume.events / .dropped / .moves), read with
/// MetricCollector; for the unit and the e2e tests. The caller names the IM's meter (<c>ImTelemetry.Name</c>): this
/// library does not see the gateway's internals.
/// </summary>
public sealed class ResilienceFigures : IDisposable
{
    private readonly MetricCollector<long> _events;
    private readonly MetricCollector<long> _dropped;
    private readonly MetricCollector<long> _moves;

    public ResilienceFigures(IMeterFactory meterFactory, string meterName)
    {
        _events = new MetricCollector<long>(meterFactory, meterName, "xiaozhi.im.resume.events");
        _dropped = new MetricCollector<long>(meterFactory, meterName, "xiaozhi.im.resume.dropped");
        _moves = new MetricCollector<long>(meterFactory, meterName, "xiaozhi.im.moves");
    }

    public long Resumes => Event("resumed");

    public long Migrations => Event("migrated");

    public long ResumeFailures => Event("failed");

    public long SlowConsumerCloses => Event("slow_consumer_closed");

    public long SynthesizedTtsStops => Event("tts_stop_synthesized");

    public long AnswersCut => Event("answer_cut");

    /// <summary>Sessions moved on the gateway's initiative for <paramref name="reason"/> (xiaozhi.im.moves).</summary>
    public long Moves(string reason) => _moves.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason)).Sum(m => m.Value);

    public long TotalDropped => _dropped.GetMeasurementSnapshot().Sum(m => m.Value);

    /// <summary>Frames dropped for <paramref name="reason"/> (the gateway's <c>ResumeDropReason</c>, by name).</summary>
    public long Dropped<TReason>(TReason reason)
        where TReason : struct, Enum =>
        _dropped.GetMeasurementSnapshot().Where(m => Equals(m.Tags["reason"], reason.ToString())).Sum(m => m.Value);

    public void Dispose()
    {
        _events.Dispose();
        _dropped.Dispose();
        _moves.Dispose();
    }

    private long Event(string name) => _events.GetMeasurementSnapshot().Where(m => Equals(m.Tags["event"], name)).Sum(m => m.Value);
}
