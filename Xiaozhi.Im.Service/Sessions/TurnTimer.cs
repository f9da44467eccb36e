using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Times a session's turns as the device feels them, on the endpoint whose stream carries them: from the end of the
/// device's request (a <c>chat</c>, <c>image</c> or <c>vision</c>, a <c>listen stop</c>; without one, in
/// <c>auto</c>/<c>realtime</c> mode, the last audio frame before the AI's <c>stt</c>) to the <c>stt</c> and to the
/// first TTS audio frame. While a turn waits for its audio it counts in the endpoint's turns in progress; its time to
/// first audio feeds the endpoint's latency estimate; a turn answered with 999 counts as a failure, once per session
/// until one of its turns succeeds, so one device sending bad requests cannot eject an endpoint by itself. A session's
/// repeated failure still counts (in the failure rate and the policy, not in a row) while another session of the
/// endpoint is failing too: the endpoint fails, not the device, and dropping those repeats undercounted an endpoint
/// failing every third turn at 25 %. A turn answered
/// without audio (text only) ends at its <c>tts stop</c> or the next request, with no latency sample. The pumps note
/// into it (the uplink what it wrote, the downlink what it delivered); thread-safe, no I/O.
/// </summary>
internal sealed class TurnTimer
{
    private readonly Lock _gate = new();
    private AiEndpoint? _endpoint;
    private TimeProvider _time = TimeProvider.System;
    private Telemetry.ImMetrics? _metrics;
    private long _requestEnd;
    private long _lastAudio;
    private long _start;
    private bool _awaitingStt;
    private bool _awaitingAudio;
    private bool _counted;
    private bool _lastFailed;

    /// <summary>True while a turn waits for its first audio.</summary>
    public bool InTurn
    {
        get
        {
            lock (_gate)
            {
                return _awaitingAudio;
            }
        }
    }

    /// <summary>
    /// The session's stream now runs on <paramref name="endpoint"/> (the downlink, when it starts reading a stream):
    /// a turn still waiting moves its count there. Disposing the result ends the binding (the stream ended).
    /// </summary>
    public IDisposable Bind(AiEndpoint endpoint, TimeProvider time, Telemetry.ImMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(time);
        lock (_gate)
        {
            Uncount();
            StopFailing();
            _endpoint = endpoint;
            _time = time;
            _metrics = metrics;
            if (_awaitingAudio)
            {
                Count();
            }
        }

        return new Binding(this, endpoint);
    }

    /// <summary>The uplink wrote a device frame upstream.</summary>
    public void DeviceSent(UplinkFrameTag tag, ChatFrameKind kind)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (tag is UplinkFrameTag.Request or UplinkFrameTag.ListenStop)
            {
                // A turn still open got no audio: it ends here, unmeasured, and the new one starts.
                if (_awaitingAudio)
                {
                    Close();
                }

                _requestEnd = now;
                Open(now);
            }
            else if (kind == ChatFrameKind.Binary)
            {
                _lastAudio = now;
            }
        }
    }

    /// <summary>The downlink delivered an AI frame: <paramref name="kind"/> <c>text</c> / <c>binary</c> / <c>error</c>.</summary>
    public void AiSent(string kind, string? messageType)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            switch (kind)
            {
                case "text" when messageType == "stt":
                    if (!_awaitingAudio && _requestEnd == 0 && _lastAudio != 0)
                    {
                        // auto / realtime: the AI decided where the utterance ended; the device's last frame is the end.
                        Open(_lastAudio);
                    }

                    if (_awaitingStt)
                    {
                        _awaitingStt = false;
                        if (_endpoint is { } endpoint)
                        {
                            _metrics?.TurnTimeToStt(endpoint.Address, _time.GetElapsedTime(_start, now));
                        }
                    }

                    break;
                case "binary" when _awaitingAudio:
                    var elapsed = _time.GetElapsedTime(_start, now);
                    if (_endpoint is { } answered)
                    {
                        _metrics?.TurnTimeToFirstAudio(answered.Address, elapsed);
                        answered.Balance.Observe(elapsed);
                        answered.NoteSuccess();
                    }

                    StopFailing();
                    Close();
                    break;
                case "error" when _awaitingAudio:
                    if (!_lastFailed)
                    {
                        _lastFailed = true;
                        _endpoint?.Balance.SessionStartedFailing();
                        _endpoint?.NoteFailure();
                    }
                    else if (_endpoint is { Balance.SessionsFailing: > 1 } failing)
                    {
                        failing.NoteFailure(inARow: false);
                    }

                    Close();
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// The AI ended its turn (<c>tts stop</c> delivered): a turn answered without audio stops counting as in progress,
    /// with no time-to-first-audio sample (it has no first audio).
    /// </summary>
    public void TurnEnded()
    {
        lock (_gate)
        {
            if (_awaitingAudio)
            {
                Close();
            }
        }
    }

    // The session's failures were its endpoint's (a turn succeeded, or it left the endpoint).
    private void StopFailing()
    {
        if (_lastFailed)
        {
            _endpoint?.Balance.SessionStoppedFailing();
            _lastFailed = false;
        }
    }

    private void Open(long start)
    {
        _start = start;
        _awaitingStt = true;
        _awaitingAudio = true;
        Count();
    }

    private void Close()
    {
        _awaitingStt = false;
        _awaitingAudio = false;
        _requestEnd = 0;
        _lastAudio = 0;
        Uncount();
    }

    private void Count()
    {
        if (!_counted && _endpoint is { } endpoint)
        {
            endpoint.Balance.TurnStarted();
            _counted = true;
        }
    }

    private void Uncount()
    {
        if (_counted)
        {
            _endpoint?.Balance.TurnEnded();
            _counted = false;
        }
    }

    private void Unbind(AiEndpoint endpoint)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_endpoint, endpoint))
            {
                Uncount();
                StopFailing();
                _endpoint = null;
            }
        }
    }

    private sealed class Binding(TurnTimer timer, AiEndpoint endpoint) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                timer.Unbind(endpoint);
            }
        }
    }
}
