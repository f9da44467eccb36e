using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.AiService.Stub.Media;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// The device's listen turn (protocol.md §3): the frames kept between <c>listen start</c> and <c>stop</c>, at most
/// <c>Stub:MaxUtteranceFrames</c>. In auto and realtime mode a VAD ends the utterance <c>Stub:VadSilenceMs</c> after
/// its last frame with sound (<see cref="SilenceDetector"/>), whether silent frames keep arriving or none do, and hands
/// it to <c>onSilence</c>; realtime then keeps listening. Until the first frame with sound every frame restarts the
/// clock, so leading silence streamed without a gap waits for speech, and an utterance of silent frames still ends at
/// a gap (the rule before frames were looked into). A zero-byte frame is an end-of-speech marker some clients send,
/// not audio: it is not kept.
/// </summary>
internal sealed class UtteranceListener(StubOptions options, TimeProvider time, Action<StubTurn> onSilence) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _listening;
    private ListenMode _mode;
    private List<ReadOnlyMemory<byte>> _frames = [];
    private long _bytes;
    private int _generation;
    private bool _overflowReported;
    private ITimer? _vadTimer;
    private bool _heardSound;
    private readonly SilenceDetector _silence = new();

    /// <summary><c>listen start</c>: a fresh utterance (anything heard so far is dropped).</summary>
    public void Begin(ListenMode mode)
    {
        lock (_gate)
        {
            BeginLocked(mode);
        }
    }

    /// <summary><c>listen stop</c>: the utterance as a turn, or null when the device was not listening.</summary>
    public StubTurn? Stop()
    {
        lock (_gate)
        {
            return _listening ? EndLocked(keepListening: false) : null;
        }
    }

    /// <summary>An audio frame in the hello's <paramref name="format"/>; kept while listening and there is room, else ignored.</summary>
    /// <returns>True for the first frame the utterance has no room for (the caller reports it, once per utterance).</returns>
    public bool Hear(ReadOnlyMemory<byte> frame, AudioFormat format)
    {
        lock (_gate)
        {
            if (!_listening || frame.IsEmpty)
            {
                return false; // audio outside a listen turn is ignored, as the real service does; an empty frame is a marker
            }

            if (_frames.Count >= options.MaxUtteranceFrames)
            {
                var first = !_overflowReported;
                _overflowReported = true;
                return first;
            }

            _frames.Add(frame);
            _bytes += frame.Length;
            if (_mode != ListenMode.Manual)
            {
                Listen(frame.Span, format);
            }

            return false;
        }
    }

    private void Listen(ReadOnlySpan<byte> frame, AudioFormat format)
    {
        var sound = !_silence.IsSilent(frame, format);
        if (sound || !_heardSound)
        {
            // A frame with sound (or any frame before the first one with sound) restarts the silence clock.
            _heardSound |= sound;
            _vadTimer ??= time.CreateTimer(OnVadSilence, _generation, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _vadTimer.Change(TimeSpan.FromMilliseconds(options.VadSilenceMs), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops listening and the VAD (the stream is ending).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _vadTimer?.Dispose();
            _vadTimer = null;
            _listening = false;
            _silence.Dispose();
        }
    }

    private void BeginLocked(ListenMode mode)
    {
        _vadTimer?.Dispose();
        _vadTimer = null;
        _listening = true;
        _mode = mode;
        _frames = [];
        _bytes = 0;
        _overflowReported = false;
        _heardSound = false;
        _generation++;
    }

    private StubTurn EndLocked(bool keepListening)
    {
        var frames = _frames;
        var bytes = _bytes;
        if (keepListening)
        {
            BeginLocked(_mode);
        }
        else
        {
            _vadTimer?.Dispose();
            _vadTimer = null;
            _listening = false;
            _frames = [];
            _bytes = 0;
            _heardSound = false;
            _generation++;
        }

        return new StubTurn($"heard {frames.Count} frames, {bytes} bytes", $"Playing back {frames.Count} frames.", frames);
    }

    private void OnVadSilence(object? state)
    {
        StubTurn? turn = null;
        lock (_gate)
        {
            // The generation tells a timer of an utterance that already ended from the current one's.
            if (_listening && state is int generation && generation == _generation && _frames.Count > 0)
            {
                turn = EndLocked(keepListening: _mode == ListenMode.Realtime);
            }
        }

        if (turn is not null)
        {
            onSilence(turn);
        }
    }
}
