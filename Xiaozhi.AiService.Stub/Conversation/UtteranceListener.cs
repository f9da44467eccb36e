using Xiaozhi.AiService.Stub.Configuration;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// The device's listen turn (protocol.md §3): the frames kept between <c>listen start</c> and <c>stop</c>, at most
/// <c>Stub:MaxUtteranceFrames</c>. In auto and realtime mode a VAD ends the utterance after
/// <c>Stub:VadSilenceMs</c> without a frame and hands it to <c>onSilence</c>; realtime then keeps listening.
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

    /// <summary>An audio frame; kept while listening and there is room, else ignored.</summary>
    /// <returns>True for the first frame the utterance has no room for (the caller reports it, once per utterance).</returns>
    public bool Hear(ReadOnlyMemory<byte> frame)
    {
        lock (_gate)
        {
            if (!_listening)
            {
                return false; // audio outside a listen turn is ignored, as the real service does
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
                _vadTimer ??= time.CreateTimer(OnVadSilence, _generation, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _vadTimer.Change(TimeSpan.FromMilliseconds(options.VadSilenceMs), Timeout.InfiniteTimeSpan);
            }

            return false;
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
