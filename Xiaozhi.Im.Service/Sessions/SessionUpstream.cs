using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The session's way upstream, which survives its ChatStreams. While a stream is attached the uplink writes straight
/// to it (awaited: HTTP/2 flow control is the back-pressure); when the stream broke or is being replaced, frames are
/// kept in order in a bounded <see cref="ResumeBuffer"/> until the supervisor attaches the next stream, which first
/// gets the replayed frames and then the kept ones. A stream has one writer at a time: the uplink after attach, the
/// supervisor before. Past a buffer limit the upstream fails: every kept frame is counted as dropped with the reason.
/// </summary>
public sealed partial class SessionUpstream : IDisposable
{
    private readonly object _gate = new();
    private readonly ResumeBuffer _buffer;
    private readonly SessionDropCounters _counters;
    private readonly SessionSignal _signal;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _failed = new();
    private UpstreamChatStream? _current;
    private bool _writing;
    private TaskCompletionSource? _inFlightWaiter;
    private ResumeDropReason? _failure;
    private bool _broken;
    private ChatRequest? _deliveredHello;
    private ChatRequest? _deliveredListenStart;
    private readonly List<ChatRequest> _utterance = [];
    private readonly int _maxUtteranceFrames;
    private readonly long _maxUtteranceBytes;
    private long _utteranceBytes;
    private bool _utteranceClosed;
    private bool _requestLost; // an unanswered chat/image/vision that a lost stream would lose for good
    private bool _utteranceHoldsRequest; // the kept utterance holds an unanswered chat/image/vision
    private long _answers; // OnAiAnswering calls: one seen during a request's write answered it (the reply can overtake the write's completion)

    /// <summary>Creates the upstream with <paramref name="initial"/> attached.</summary>
    public SessionUpstream(UpstreamChatStream? initial, ResumeOptions options, SessionDropCounters counters, SessionSignal signal, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _current = initial;
        _buffer = new ResumeBuffer(options.MaxBufferedFrames, options.MaxBufferedBytes, options.MaxBufferAge, timeProvider);
        _maxUtteranceFrames = options.MaxBufferedFrames;
        _maxUtteranceBytes = options.MaxBufferedBytes;
        _counters = counters;
        _signal = signal;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Why the upstream failed (a limit), or null.</summary>
    public ResumeDropReason? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>Cancelled when the upstream failed.</summary>
    public CancellationToken FailedToken => _failed.Token;

    /// <summary>True when a write to the attached stream failed (it was detached; the supervisor must resume).</summary>
    public bool IsBroken
    {
        get
        {
            lock (_gate)
            {
                return _broken;
            }
        }
    }

    /// <summary>Frames currently kept.</summary>
    public int BufferedFrames
    {
        get
        {
            lock (_gate)
            {
                return _buffer.Count;
            }
        }
    }

    /// <summary>
    /// The uplink's write: straight to the attached stream, else into the buffer. False when the upstream failed (the
    /// session is being closed). Throws <see cref="OperationCanceledException"/> only for <paramref name="cancellationToken"/>.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WriteAsync(ChatRequest request, UplinkFrameTag tag, CancellationToken cancellationToken)
    {
        while (true)
        {
            UpstreamChatStream stream;
            long answersBefore;
            lock (_gate)
            {
                if (_failure is { } failed)
                {
                    _counters.AddDropped(failed, 1);
                    return false;
                }

                if (_current is null)
                {
                    return Keep(new BufferedUplinkFrame(request, tag, _timeProvider.GetTimestamp()));
                }

                stream = _current;
                _writing = true;
                answersBefore = _answers;
            }

            try
            {
                await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    // Before the in-flight write is reported done: a supervisor that waited for it replays from this.
                    NoteDeliveredLocked(request, tag, answeredMeanwhile: _answers != answersBefore);
                }

                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (UpstreamChatStream.IsStreamFailure(ex))
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_current, stream))
                    {
                        // Not known to have arrived: keep it for the next stream (at least once beats lost).
                        LogWriteFailed(_logger, stream.EndLogLevel(LogLevel.Information), ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.GetType().Name);
                        _current = null;
                        _broken = true;
                        _signal.Set();
                        return Keep(new BufferedUplinkFrame(request, tag, _timeProvider.GetTimestamp()));
                    }
                }

                // The stream was replaced meanwhile: write to the new one (or keep).
            }
            finally
            {
                // No allocation per write: a waiter exists only while a supervisor waits for this write.
                TaskCompletionSource? waiter;
                lock (_gate)
                {
                    _writing = false;
                    waiter = _inFlightWaiter;
                    _inFlightWaiter = null;
                }

                waiter?.TrySetResult();
            }
        }
    }

    /// <summary>Stops writing to the attached stream (frames are kept from now on); returns the stream that was attached.</summary>
    public UpstreamChatStream? Detach()
    {
        lock (_gate)
        {
            var detached = _current;
            _current = null;
            return detached;
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for a write the uplink started before <see cref="Detach"/>.</summary>
    public async Task<bool> WaitForWriteInFlightAsync(TimeSpan timeout)
    {
        Task inFlight;
        lock (_gate)
        {
            if (!_writing)
            {
                return true;
            }

            _inFlightWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            inFlight = _inFlightWaiter.Task;
        }

        try
        {
            await inFlight.WaitAsync(timeout, _timeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// What a new stream needs before the kept frames so the AI service is where the device thinks it is: the last
    /// <c>hello</c> and, when a voice turn was open, its <c>listen start</c> — as of the frames that reached the previous
    /// stream (the device may be further on: a <c>listen stop</c> kept while resuming still needs the turn's start
    /// replayed first). Copies with a fresh <paramref name="unixTimeMilliseconds"/>; the payload bytes are the
    /// request's own (immutable, never a receive buffer).
    /// </summary>
    /// <remarks>
    /// With <paramref name="afterLostStream"/> (the previous stream died; not a move off a closing but working
    /// connection) and a voice turn the AI service has not answered yet (no <c>stt</c> / <c>tts start</c> since its
    /// <c>listen start</c>), the whole utterance the previous stream had received is replayed instead: its
    /// <c>listen start</c>, its audio and, if sent, its <c>listen stop</c> — a crash mid-turn loses no audio. A typed
    /// utterance (<c>chat</c>) not answered yet is replayed the same way, after the <c>listen start</c> of a turn that was
    /// open. The utterance is kept within <see cref="ResumeOptions.MaxBufferedFrames"/> / <see cref="ResumeOptions.MaxBufferedBytes"/>;
    /// a longer one falls back to the <c>listen start</c> alone.
    /// </remarks>
    public IReadOnlyList<ChatRequest> BuildReplay(long unixTimeMilliseconds, out bool replaysHello, bool afterLostStream = false)
    {
        ChatRequest? hello;
        ChatRequest[] turn;
        lock (_gate)
        {
            hello = _deliveredHello;
            turn = afterLostStream && _utterance.Count > 0
                ? [.. _utterance]
                : _deliveredListenStart is { } start ? [start] : [];
        }

        var replay = new List<ChatRequest>(1 + turn.Length);
        replaysHello = hello is not null;
        foreach (var request in turn.Prepend(hello))
        {
            if (request is not null)
            {
                var copy = request.Clone();
                copy.Timestamp = unixTimeMilliseconds;
                replay.Add(copy);
            }
        }

        return replay;
    }

    /// <summary>
    /// Writes <paramref name="replay"/>, waits for <paramref name="confirm"/> (the AI service accepted the stream: a
    /// write is not an acknowledgement, and frames flushed into a refused stream would be lost unseen), then writes the
    /// kept frames in order and attaches the stream. False when the upstream failed meanwhile. Throws when a write or
    /// the confirmation fails (the unwritten frames stay kept).
    /// </summary>
    public async Task<bool> AttachAsync(UpstreamChatStream stream, IReadOnlyList<ChatRequest> replay, Func<CancellationToken, Task>? confirm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(replay);
        foreach (var request in replay)
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (confirm is not null)
        {
            await confirm(cancellationToken).ConfigureAwait(false);
        }

        var flushed = 0;
        while (true)
        {
            BufferedUplinkFrame next;
            long answersBefore;
            lock (_gate)
            {
                answersBefore = _answers;
                if (_failure is null && _buffer.CheckAge() is { } age)
                {
                    FailLocked(age, 0);
                }

                if (_failure is not null)
                {
                    return false;
                }

                if (!_buffer.TryPeek(out next))
                {
                    _current = stream;
                    _broken = false;
                    if (flushed > 0)
                    {
                        LogFlushed(_logger, flushed);
                    }

                    return true;
                }
            }

            await stream.WriteAsync(next.Request, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _buffer.RemoveOldest();
                NoteDeliveredLocked(next.Request, next.Tag, answeredMeanwhile: _answers != answersBefore);
            }

            flushed++;
        }
    }

    /// <summary>Fails the upstream for <paramref name="reason"/> (e.g. the resume timed out), counting the kept frames as dropped.</summary>
    public void Fail(ResumeDropReason reason)
    {
        lock (_gate)
        {
            if (_failure is null)
            {
                FailLocked(reason, 0);
            }
        }

        CancelFailed();
    }

    /// <summary>The session ended: kept frames that never went upstream are counted as dropped.</summary>
    public void Close()
    {
        lock (_gate)
        {
            var dropped = _buffer.Clear();
            if (dropped > 0)
            {
                _counters.AddDropped(ResumeDropReason.SessionEnded, dropped);
                LogDropped(_logger, dropped, ResumeDropReason.SessionEnded);
            }

            _current = null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _failed.Dispose();

    /// <summary>The AI service started answering (<c>stt</c> or <c>tts start</c>): the utterance is no longer replayed after a lost stream.</summary>
    public void OnAiAnswering()
    {
        lock (_gate)
        {
            ClearUtteranceLocked();
            _requestLost = false;
            _answers++;
        }
    }

    /// <summary>
    /// After a resume from a lost stream: true (once) when the device's last request was still unanswered and not kept
    /// for the replay (too large itself, or it went with an open utterance that grew past the resume limits), so the
    /// device has to be told it will get no answer.
    /// </summary>
    public bool TakeRequestLost()
    {
        lock (_gate)
        {
            var lost = _requestLost;
            _requestLost = false;
            return lost;
        }
    }

    /// <summary>
    /// Learns from a request the stream accepted. <paramref name="answeredMeanwhile"/>: the AI service started answering
    /// while it was being written, so a request (chat, image, vision) is taken as answered, not kept for a replay.
    /// </summary>
    private void NoteDeliveredLocked(ChatRequest request, UplinkFrameTag tag, bool answeredMeanwhile)
    {
        switch (tag)
        {
            case UplinkFrameTag.Hello:
                _deliveredHello = request;
                break;
            case UplinkFrameTag.ListenStart:
                _deliveredListenStart = request;
                _requestLost = false; // the device moved on to a new turn
                ClearUtteranceLocked();
                _utteranceClosed = false;
                KeepForUtteranceLocked(request);
                break;
            case UplinkFrameTag.ListenStop:
                _deliveredListenStart = null;
                if (_utterance.Count > 0 && !_utteranceClosed)
                {
                    KeepForUtteranceLocked(request);
                    _utteranceClosed = true;
                }

                break;
            case UplinkFrameTag.Request when answeredMeanwhile:
                break;
            case UplinkFrameTag.Request:
                // A chat, image or vision request: kept until the AI service answers, after what is still unanswered,
                // and in the listening state it came in (a realtime listen start goes first, so the resumed stream
                // listens too). One larger than the kept utterance may be is not replayed: after a lost stream the
                // session tells the device instead (TakeRequestLost).
                if (_utterance.Count == 0 && _deliveredListenStart is { } listening)
                {
                    KeepForUtteranceLocked(listening);
                }

                _requestLost = !KeepForUtteranceLocked(request);
                _utteranceHoldsRequest = !_requestLost;
                break;
            default:
                if (_utterance.Count > 0 && !_utteranceClosed && request.GetKind() == ChatFrameKind.Binary)
                {
                    KeepForUtteranceLocked(request);
                }

                break;
        }
    }

    /// <summary>Keeps <paramref name="request"/> for a replay; false when the utterance became too long to keep (then none of it is).</summary>
    private bool KeepForUtteranceLocked(ChatRequest request)
    {
        var bytes = request.MessageData.Length;
        if (_utterance.Count >= _maxUtteranceFrames || _utteranceBytes + bytes > _maxUtteranceBytes)
        {
            // Too long to replay whole: after a lost stream only its listen start is replayed (the audio so far is lost).
            // A request it held goes with it, and the device is told after a lost stream instead of waiting for an answer.
            LogUtteranceTooLong(_logger, _utterance.Count + 1, _utteranceBytes + bytes);
            _requestLost |= _utteranceHoldsRequest;
            ClearUtteranceLocked();
            _utteranceClosed = true;
            return false;
        }

        _utterance.Add(request);
        _utteranceBytes += bytes;
        return true;
    }

    private void ClearUtteranceLocked()
    {
        _utterance.Clear();
        _utteranceBytes = 0;
        _utteranceHoldsRequest = false;
    }

    private bool Keep(BufferedUplinkFrame frame)
    {
        // Called under _gate.
        if (_buffer.TryAdd(frame) is not { } reason)
        {
            return true;
        }

        FailLocked(reason, 1);
        _ = Task.Run(CancelFailed);
        return false;
    }

    private void FailLocked(ResumeDropReason reason, int extra)
    {
        var dropped = _buffer.Clear() + extra;
        _failure = reason;
        _current = null;
        _counters.AddDropped(reason, dropped);
        LogDropped(_logger, dropped, reason);
        _signal.Set();
    }

    private void CancelFailed()
    {
        try
        {
            _failed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(EventId = 4401, Message = "Writing to the AI service failed ({Reason}); keeping device frames until the session resumes (the stream's end is logged with its status)")]
    private static partial void LogWriteFailed(ILogger logger, LogLevel level, string reason);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Dropped {Frames} device frame(s) kept for resume: {Reason}")]
    private static partial void LogDropped(ILogger logger, int frames, ResumeDropReason reason);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Information, Message = "The open utterance passed {Frames} frames / {Bytes} bytes: after a lost stream only its listen start will be replayed")]
    private static partial void LogUtteranceTooLong(ILogger logger, int frames, long bytes);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Debug, Message = "Flushed {Frames} kept device frame(s) to the new stream")]
    private static partial void LogFlushed(ILogger logger, int frames);
}
