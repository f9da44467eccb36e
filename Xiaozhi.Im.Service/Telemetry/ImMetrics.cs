using System.Diagnostics;
using System.Diagnostics.Metrics;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>
/// The IM's metrics (meter <c>Xiaozhi.Im</c>). Tags are low-cardinality: frame kind, a known message type (else
/// <c>other</c>), a rejection reason category, an endpoint address — never device or session ids.
/// </summary>
internal sealed class ImMetrics
{
    private static readonly IReadOnlySet<string> KnownTypes = Protocol.KnownMessageTypes.All;

    private readonly UpDownCounter<long> _sessionsActive;
    private readonly Counter<long> _sessionsTotal;
    private readonly Counter<long> _upgradesRejected;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _hopLatency;
    private readonly Histogram<double> _resumeDuration;
    private readonly Counter<long> _drops;
    private readonly Counter<long> _closes;
    private readonly Counter<long> _resumeSessionIdChanged;
    private readonly Counter<long> _resumeEvents;
    private readonly Counter<long> _resumeDropped;
    private readonly Counter<long> _moves;
    private readonly Counter<long> _departures;
    private readonly Histogram<double> _timeToStt;
    private readonly Histogram<double> _timeToFirstAudio;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, string> _endpointLabels = new();

    /// <summary>Creates the instruments; endpoint gauges read the pool when scraped.</summary>
    public ImMetrics(IMeterFactory meterFactory, AiEndpointPool pool, ISessionRegistry sessions)
    {
        var meter = meterFactory.Create(ImTelemetry.Name);
        _sessionsActive = meter.CreateUpDownCounter<long>("xiaozhi.im.sessions.active", "{session}", "Device sessions open now.");
        _sessionsTotal = meter.CreateCounter<long>("xiaozhi.im.sessions", "{session}", "Device sessions accepted since start.");
        _upgradesRejected = meter.CreateCounter<long>("xiaozhi.im.upgrades.rejected", "{request}", "WebSocket upgrades refused, by status and reason.");
        _frames = meter.CreateCounter<long>("xiaozhi.im.frames", "{frame}", "Frames forwarded, by direction, kind and message type.");
        _bytes = meter.CreateCounter<long>("xiaozhi.im.frame.bytes", "By", "Frame payload bytes forwarded, by direction and kind.");
        _hopLatency = meter.CreateHistogram<double>(
            "xiaozhi.im.hop.latency", "ms",
            "Time through the gateway: device frame received → written upstream (uplink); upstream frame received → sent to the device (downlink).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 25, 50, 100, 250, 1000] });
        _resumeDuration = meter.CreateHistogram<double>("xiaozhi.im.resume.duration", "ms", "Upstream stream lost → session resumed.");
        _drops = meter.CreateCounter<long>("xiaozhi.im.drops", "{frame}", "Frames not forwarded, by reason.");
        _closes = meter.CreateCounter<long>("xiaozhi.im.closes", "{close}", "Device WebSockets closed by the gateway, by close code.");
        _resumeSessionIdChanged = meter.CreateCounter<long>(
            "xiaozhi.im.resume.session_id_changed", "{stream}",
            "Resumed or moved streams whose hello had a new session id (same audio params): normal for a backend that labels each stream.");

        meter.CreateObservableGauge("xiaozhi.im.upstream.streams", () => pool.Endpoints.Select(
            e => new Measurement<int>(e.ActiveStreams, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "{stream}", "ChatStreams open per AI endpoint.");
        meter.CreateObservableGauge("xiaozhi.im.upstream.connections", () => pool.Endpoints.Select(
            e => new Measurement<int>(e.OpenConnections, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "{connection}", "HTTP/2 (TCP) connections open per AI endpoint.");
        meter.CreateObservableGauge("xiaozhi.im.resume.buffered_frames", () => sessions.Snapshot().OfType<Session>().Sum(s => s.BufferedFrames),
            "{frame}", "Device frames kept, over all sessions, while their upstream stream is being re-opened.");
        meter.CreateObservableGauge("xiaozhi.im.endpoint.serving", () => pool.Endpoints.Select(
            e => new Measurement<int>(e.Health == AiEndpointHealth.Serving ? 1 : 0,
                new KeyValuePair<string, object?>("endpoint", e.Address.ToString()),
                new KeyValuePair<string, object?>("state", e.Health.ToString()))),
            "1", "1 when the endpoint's last HealthCheck answered SERVING.");

        // Turns as the device feels them, per endpoint (TurnTimer); the balancer's view of each endpoint.
        double[] turnBuckets = [50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];
        _timeToStt = meter.CreateHistogram<double>(
            "xiaozhi.im.turn.time_to_stt", "ms", "End of the device's request → the AI's stt, per AI endpoint.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = turnBuckets });
        _timeToFirstAudio = meter.CreateHistogram<double>(
            "xiaozhi.im.turn.time_to_first_audio", "ms", "End of the device's request → the first TTS audio frame, per AI endpoint.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = turnBuckets });
        meter.CreateObservableGauge("xiaozhi.im.endpoint.ejected", () => pool.Endpoints.Select(
            e => new Measurement<int>(e.IsEjected ? 1 : 0, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "1", "1 while the endpoint is ejected for failing (no new sessions).");
        meter.CreateObservableCounter("xiaozhi.im.endpoint.ejections", () => pool.Endpoints.Select(
            e => new Measurement<long>(e.Balance.Ejections, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "{ejection}", "Ejections of the endpoint since start.");
        meter.CreateObservableGauge("xiaozhi.im.endpoint.latency_estimate", () => pool.Endpoints.Where(e => e.Balance.LatencyMs is not null).Select(
            e => new Measurement<double>(e.Balance.LatencyMs!.Value, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "ms", "The balancer's peak-EWMA of the endpoint's time to first audio.");
        meter.CreateObservableGauge("xiaozhi.im.endpoint.turns_in_progress", () => pool.Endpoints.Select(
            e => new Measurement<int>(e.Balance.TurnsInProgress, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "{turn}", "Turns on the endpoint waiting for their first audio.");

        // The resilience paths (resume, GOAWAY migration, slow consumers, frames dropped while resuming): tests read these too.
        _resumeEvents = meter.CreateCounter<long>("xiaozhi.im.resume.events", "{event}", "Upstream resumes and related session events since start.");
        _resumeDropped = meter.CreateCounter<long>("xiaozhi.im.resume.dropped", "{frame}", "Device frames dropped while no upstream stream was open, by reason.");

        // Moves on the gateway's initiative (GOAWAY, an endpoint being left), and the streams a connection close still cut.
        _moves = meter.CreateCounter<long>("xiaozhi.im.moves", "{move}", "Sessions moved to a new stream on the gateway's initiative, by reason.");
        _departures = meter.CreateCounter<long>("xiaozhi.im.endpoint.departures", "{departure}", "AI endpoints the gateway started leaving, by reason.");
        pool.EndpointSet.DepartureBegun += reason => _departures.Add(1, new KeyValuePair<string, object?>("reason", MoveReasons.Of(reason)));
        meter.CreateObservableCounter("xiaozhi.im.upstream.streams_cut", () => pool.Endpoints.Select(
            e => new Measurement<long>(e.StreamsCutByClose, new KeyValuePair<string, object?>("endpoint", e.Address.ToString()))),
            "{stream}", "ChatStreams still open when the AI service closed their connection (a GOAWAY's grace ended, or a crash).");

        // Every series exists from the start at 0 (a scrape shows "no resume yet", not "unknown").
        foreach (var name in (string[])["resumed", "failed", "migrated", "slow_consumer_closed", "tts_stop_synthesized"])
        {
            _resumeEvents.Add(0, new KeyValuePair<string, object?>("event", name));
        }

        foreach (var reason in Enum.GetValues<ResumeDropReason>())
        {
            ResumeDropped(reason, 0);
        }

        // The series the alert rules read, at 0 from the start: increase() needs a first sample to count the first event.
        _sessionsActive.Add(0);
        _upgradesRejected.Add(0, new("status", StatusCodes.Status503ServiceUnavailable), new("reason", "capacity"));
    }

    /// <summary>A session was accepted.</summary>
    public void SessionStarted()
    {
        _sessionsActive.Add(1);
        _sessionsTotal.Add(1);
    }

    public void SessionEnded() => _sessionsActive.Add(-1);

    /// <summary>An upgrade was refused before the WebSocket existed.</summary>
    public void UpgradeRejected(int status, string reason) =>
        _upgradesRejected.Add(1, new("status", status), new("reason", reason));

    /// <summary>A frame was forwarded.</summary>
    public void Frame(FrameDirection direction, string kind, string? messageType, int bytes)
    {
        var type = messageType is not null && KnownTypes.Contains(messageType) ? messageType : messageType is null ? "none" : "other";
        var dir = direction == FrameDirection.Uplink ? "uplink" : "downlink";
        _frames.Add(1, new("direction", dir), new("kind", kind), new("message_type", type));
        _bytes.Add(bytes, new("direction", dir), new("kind", kind));
    }

    /// <summary>Time a frame spent inside the gateway.</summary>
    public void HopLatency(FrameDirection direction, TimeSpan elapsed) =>
        _hopLatency.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("direction", direction == FrameDirection.Uplink ? "uplink" : "downlink"));

    /// <summary>
    /// A resume finished (<paramref name="succeeded"/>) after <paramref name="duration"/>: counted once, on
    /// <c>xiaozhi.im.resume.events</c> (the alert rules read it; a second counter by outcome was dropped).
    /// </summary>
    public void Resume(bool succeeded, TimeSpan duration)
    {
        ResumeEvent(succeeded ? "resumed" : "failed");
        if (succeeded)
        {
            _resumeDuration.Record(duration.TotalMilliseconds);
        }
    }

    /// <summary>A session moved off a connection that received GOAWAY.</summary>
    public void Migrated() => ResumeEvent("migrated");

    /// <summary>A session moved on the gateway's initiative (<see cref="MoveReasons"/>).</summary>
    public void Moved(string reason) => _moves.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A device was cut off for not reading.</summary>
    public void SlowConsumerClosed() => ResumeEvent("slow_consumer_closed");

    /// <summary>A device was told its answer was cut (an alert, then a <c>tts stop</c>): its stream ended mid-answer.</summary>
    public void AnswerCut() => ResumeEvent("answer_cut");

    /// <summary>The IM sent a <c>tts stop</c> itself (the stream ended while the AI was speaking).</summary>
    public void TtsStopSynthesized() => ResumeEvent("tts_stop_synthesized");

    /// <summary>Device frames kept for a resume that were dropped.</summary>
    public void ResumeDropped(ResumeDropReason reason, long count) =>
        _resumeDropped.Add(count, new KeyValuePair<string, object?>("reason", reason.ToString()));

    /// <summary>A resumed stream's hello came with a new session id.</summary>
    public void ResumeSessionIdChanged() => _resumeSessionIdChanged.Add(1);

    /// <summary>Frames the gateway could not forward.</summary>
    public void Dropped(string reason, long count = 1) => _drops.Add(count, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>The gateway closed a device's WebSocket.</summary>
    public void Closed(int code) => _closes.Add(1, new KeyValuePair<string, object?>("code", code));

    /// <summary>A turn's time to the AI's stt on <paramref name="endpoint"/>.</summary>
    public void TurnTimeToStt(Uri endpoint, TimeSpan elapsed) =>
        _timeToStt.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("endpoint", EndpointLabel(endpoint)));

    /// <summary>A turn's time to its first TTS audio frame on <paramref name="endpoint"/>.</summary>
    public void TurnTimeToFirstAudio(Uri endpoint, TimeSpan elapsed) =>
        _timeToFirstAudio.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("endpoint", EndpointLabel(endpoint)));

    /// <summary>
    /// The endpoint's label on the turn histograms: its address for the first <see cref="MaxEndpointLabels"/> endpoints
    /// seen, then <c>other</c> (dns:/// endpoints come and go; each histogram series costs a dozen buckets).
    /// </summary>
    public string EndpointLabel(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (_endpointLabels.TryGetValue(endpoint, out var label))
        {
            return label;
        }

        return _endpointLabels.Count >= MaxEndpointLabels ? "other" : _endpointLabels.GetOrAdd(endpoint, endpoint.ToString());
    }

    /// <summary>Endpoints with a label of their own on the turn histograms.</summary>
    public const int MaxEndpointLabels = 32;

    private void ResumeEvent(string name) => _resumeEvents.Add(1, new KeyValuePair<string, object?>("event", name));

    /// <summary>Elapsed time since a <see cref="Stopwatch.GetTimestamp"/> value (hop latency).</summary>
    public static TimeSpan Since(long timestamp) => Stopwatch.GetElapsedTime(timestamp);
}
