using System.Diagnostics.Metrics;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Tests.Telemetry;

/// <summary>A resume is counted by one counter, the one the alert rules read (xiaozhi_im_resume_events_total).</summary>
public sealed class ResumeMetricsTests
{
    [Test]
    public void A_resume_and_a_failed_one_are_each_counted_once_on_resume_events()
    {
        using var metrics = new TestMetrics();
        var counted = new List<(string Instrument, long Value, string Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == metrics.MeterFactory && instrument is Counter<long>)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (value != 0)
            {
                counted.Add((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
            }
        });
        listener.Start();

        metrics.Metrics.Resume(succeeded: true, TimeSpan.FromMilliseconds(40));
        metrics.Metrics.Resume(succeeded: false, TimeSpan.Zero);

        counted.Should().Equal(
            [("xiaozhi.im.resume.events", 1L, "event=resumed"), ("xiaozhi.im.resume.events", 1L, "event=failed")],
            "each resume is one increment of one counter (xiaozhi.im.resumes, which counted the same by outcome, is gone)");
        metrics.Figures.Resumes.Should().Be(1);
        metrics.Figures.ResumeFailures.Should().Be(1);
    }
}
