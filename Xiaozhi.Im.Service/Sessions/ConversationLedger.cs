using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// What the AI service has been told and has answered, in one place: the uplink notes the frames it sees and the ones
/// that reached the stream, the downlink notes the AI's answers, and a resume asks it what to replay and whether the
/// device's last request was lost. What the turn is doing (listening, answering, speaking) is its <see cref="TurnState"/>;
/// the ledger keeps the replay. Synchronous and without I/O; thread-safe (one pump per side, one lock for both parts).
/// </summary>
/// <remarks>
/// Replay rules: the last delivered <c>hello</c> always; a voice turn still open gets its <c>listen start</c>. After a
/// lost stream (not a move off a working connection) an utterance the AI service has not answered yet (no <c>stt</c>
/// / <c>tts start</c> since it began) is replayed whole: its <c>listen start</c>, audio, <c>listen stop</c>, and any
/// <c>chat</c> / <c>image</c> / <c>vision</c> request in it. An utterance kept past the resume limits falls back to
/// its <c>listen start</c>; a request that went with it, or one too large itself, is reported lost once.
/// </remarks>
internal sealed class ConversationLedger
{
    private readonly object _gate = new();
    private readonly ReplayBytes _bytes;
    private readonly List<ChatRequest> _utterance = [];
    private readonly TurnState _turn = new();
    private ServerHelloSummary? _serverHello;
    private ChatRequest? _deliveredHello;
    private ChatRequest? _deliveredListenStart;
    private bool _utteranceClosed;
    private bool _requestLost; // an unanswered chat/image/vision that a lost stream would lose for good
    private bool _utteranceHoldsRequest; // the kept utterance holds an unanswered chat/image/vision

    /// <summary>
    /// A ledger that keeps an utterance of at most <paramref name="maxUtteranceFrames"/> / <paramref name="maxUtteranceBytes"/>,
    /// and at most <paramref name="maxKeptBytes"/> in all (hello, listen start, utterance); the utterance's bytes are
    /// also reserved in the node's <paramref name="budget"/>.
    /// </summary>
    public ConversationLedger(int maxUtteranceFrames, long maxUtteranceBytes, ILogger logger, long maxKeptBytes, NodeBufferBudget budget)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _bytes = new ReplayBytes(maxUtteranceFrames, maxUtteranceBytes, maxKeptBytes, budget, logger);
    }

    /// <summary>Payload bytes kept for a replay now: the hello, the open listen start and the utterance, each counted once.</summary>
    public long KeptBytes
    {
        get
        {
            lock (_gate)
            {
                return KeptBytesLocked();
            }
        }
    }
    /// <summary>The session's turn timing (both pumps note into it; it lives here because both pumps share the ledger).</summary>
    public TurnTimer Turns { get; } = new();

    /// <summary>True while the device is in a voice turn (its last <c>listen</c> was <c>start</c>).</summary>
    public bool Listening
    {
        get
        {
            lock (_gate)
            {
                return _turn.Listening;
            }
        }
    }

    /// <summary>True while the AI speaks (the device got <c>tts start</c> and no <c>tts stop</c> yet).</summary>
    public bool Speaking
    {
        get
        {
            lock (_gate)
            {
                return _turn.Speaking;
            }
        }
    }

    /// <summary>
    /// True while the AI answers the device's last utterance or request: from its first answer (<c>stt</c> or
    /// <c>tts start</c>) until the turn's <c>tts stop</c> reached the device, the AI reported an error for it, or the
    /// device moved on (a new <c>listen start</c> or request). A stream lost meanwhile cuts the answer: the request is no
    /// longer kept for a replay, so no other stream will answer it.
    /// </summary>
    public bool Answering
    {
        get
        {
            lock (_gate)
            {
                return _turn.Answering;
            }
        }
    }

    /// <summary>Neither listening nor speaking: a good moment to move the session.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _turn.IsIdle;
            }
        }
    }

    /// <summary>The first server hello the device got (what later hellos are compared with).</summary>
    public ServerHelloSummary? ServerHello
    {
        get
        {
            lock (_gate)
            {
                return _serverHello;
            }
        }
    }

    /// <summary>
    /// A mark taken before a request's write (AI answers so far; the reply can overtake the write's completion); pass
    /// it to <see cref="NoteDelivered"/> when the write completed.
    /// </summary>
    public long AnswerMark
    {
        get
        {
            lock (_gate)
            {
                return _turn.AnswerMark;
            }
        }
    }

    /// <summary>
    /// A device text frame the uplink is about to send: returns its tag. Nothing of <paramref name="utf8"/> is kept
    /// (it is usually the uplink's pooled receive buffer).
    /// </summary>
    public UplinkFrameTag NoteDeviceText(JsonMessageType type, ReadOnlySpan<byte> utf8)
    {
        if (type.Is("hello"))
        {
            return UplinkFrameTag.Hello;
        }

        if (type.Is("chat") || type.Is("image") || type.Is("vision"))
        {
            return UplinkFrameTag.Request;
        }

        if (!type.Is("listen"))
        {
            return UplinkFrameTag.Other;
        }

        var state = JsonStateSniffer.SniffState(utf8);
        lock (_gate)
        {
            if (state == "start")
            {
                _turn.NoteListening(true);
                return UplinkFrameTag.ListenStart;
            }

            if (state == "stop")
            {
                _turn.NoteListening(false);
                return UplinkFrameTag.ListenStop;
            }
        }

        return UplinkFrameTag.Other;
    }

    /// <summary>
    /// A request the stream accepted. <paramref name="answerMark"/> is <see cref="AnswerMark"/> from before its write:
    /// when the AI answered meanwhile a chat, image or vision request is taken as answered, not kept for a replay.
    /// </summary>
    public void NoteDelivered(ChatRequest request, UplinkFrameTag tag, long answerMark)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            switch (tag)
            {
                case UplinkFrameTag.Hello:
                    // The previous hello is replaced either way: replaying an older one would tell the AI service
                    // something the device no longer says.
                    _deliveredHello = null;
                    if (_bytes.Fits(request, _deliveredListenStart, "hello"))
                    {
                        _deliveredHello = request;
                        if (_bytes.OverSessionLimit(KeptBytesLocked()))
                        {
                            DropUtteranceLocked();
                        }
                    }

                    break;
                case UplinkFrameTag.ListenStart:
                    _deliveredListenStart = null;
                    ClearUtteranceLocked();
                    if (_bytes.Fits(request, _deliveredHello, "listen"))
                    {
                        _deliveredListenStart = request;
                    }

                    _requestLost = false; // the device moved on to a new turn
                    _turn.DeviceMovedOn();
                    ClearUtteranceLocked();
                    _utteranceClosed = false;
                    KeepLocked(request);
                    break;
                case UplinkFrameTag.ListenStop:
                    _deliveredListenStart = null;
                    if (_utterance.Count > 0 && !_utteranceClosed)
                    {
                        KeepLocked(request);
                        _utteranceClosed = true;
                    }

                    break;
                case UplinkFrameTag.Request when _turn.AnswerMark != answerMark:
                    break;
                case UplinkFrameTag.Request:
                    // Kept until the AI service answers, after what is still unanswered and in the listening state it
                    // came in (a realtime listen start goes first, so the resumed stream listens too).
                    if (_utterance.Count == 0 && _deliveredListenStart is { } listening)
                    {
                        KeepLocked(listening);
                    }

                    _requestLost = !KeepLocked(request);
                    _utteranceHoldsRequest = !_requestLost;
                    _turn.DeviceMovedOn(); // what a lost stream would cut is now this request, kept for the replay
                    break;
                default:
                    if (_utterance.Count > 0 && !_utteranceClosed && request.GetKind() == ChatFrameKind.Binary)
                    {
                        KeepLocked(request);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// A server text frame on its way to the device. An <c>stt</c> or the <c>tts start</c> that starts the AI speaking
    /// is its answer to the open utterance or request (no longer replayed); a <c>tts stop</c> ends the turn, but
    /// speaking ends only when the caller reports the stop delivered (<see cref="StopSpeaking"/>).
    /// </summary>
    public ServerTextEffect NoteServerText(JsonMessageType type, ReadOnlySpan<byte> utf8)
    {
        if (type.Is("stt"))
        {
            NoteAiAnswer();
            return ServerTextEffect.Answering;
        }

        if (!type.Is("tts"))
        {
            return ServerTextEffect.None;
        }

        var state = JsonStateSniffer.SniffState(utf8);
        lock (_gate)
        {
            if (state == "stop")
            {
                return ServerTextEffect.TurnEnding;
            }

            if (state != "start" || !_turn.StartSpeaking())
            {
                return ServerTextEffect.None;
            }

            ForgetAnsweredLocked();
            return ServerTextEffect.SpeakingStarted;
        }
    }

    /// <summary>The AI service answered with an error (999): the device got an alert for it, so its answer ended there.</summary>
    public void NoteAiError()
    {
        lock (_gate)
        {
            _turn.AiFailed();
        }
    }

    /// <summary>The AI service started answering: the utterance and request it answers are no longer replayed.</summary>
    public void NoteAiAnswer()
    {
        lock (_gate)
        {
            _turn.AiAnswered();
            ForgetAnsweredLocked();
        }
    }

    /// <summary>Records the first server hello; later calls keep the first.</summary>
    public void NoteServerHello(ServerHelloSummary? summary)
    {
        lock (_gate)
        {
            _serverHello ??= summary;
        }
    }

    /// <summary>How a resumed stream's hello compares with the first the device got.</summary>
    public ResumedHelloDifference CompareResumedHello(ReadOnlySpan<byte> hello)
    {
        var first = ServerHello;
        var resumed = ServerHelloSummary.Parse(hello);
        if (first is null || resumed is null)
        {
            return ResumedHelloDifference.NotCompared;
        }

        if (!string.Equals(first.AudioParams, resumed.AudioParams, StringComparison.Ordinal))
        {
            return ResumedHelloDifference.AudioParams;
        }

        return string.Equals(first.SessionId, resumed.SessionId, StringComparison.Ordinal)
            ? ResumedHelloDifference.None
            : ResumedHelloDifference.SessionIdOnly;
    }

    /// <summary>The device was told the AI stopped speaking (a forwarded or synthesized <c>tts stop</c>): the turn ended.</summary>
    public void StopSpeaking()
    {
        lock (_gate)
        {
            _turn.Ended();
        }
    }

    /// <summary>
    /// What a new stream gets before the kept frames, so the AI service is where the device thinks it is (as of the
    /// frames that reached the previous stream): copies stamped <paramref name="unixTimeMilliseconds"/>. With
    /// <paramref name="afterLostStream"/> the unanswered utterance is replayed whole (see the type's remarks).
    /// </summary>
    public IReadOnlyList<ChatRequest> BuildReplay(long unixTimeMilliseconds, bool afterLostStream, out bool replaysHello)
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
    /// After a resume from a lost stream: true (once) when the device's last request was still unanswered and not kept
    /// for the replay, so the device has to be told it will get no answer.
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

    /// <summary>The session ended: forgets everything kept and gives its bytes back to the node's budget.</summary>
    public void Close()
    {
        lock (_gate)
        {
            ClearUtteranceLocked();
            _deliveredHello = null;
            _deliveredListenStart = null;
        }
    }

    /// <summary>
    /// The session will not resume: takes (and forgets) the unanswered frames kept for a replay, which no AI service
    /// will now see. Returns how many there were.
    /// </summary>
    public int TakeUnanswered()
    {
        lock (_gate)
        {
            var count = _utterance.Count;
            ClearUtteranceLocked();
            return count;
        }
    }

    /// <summary>The AI answered: the utterance and request it answers are no longer replayed nor lost.</summary>
    private void ForgetAnsweredLocked()
    {
        ClearUtteranceLocked();
        _requestLost = false;
    }

    /// <summary>Keeps <paramref name="request"/> for a replay; false when the utterance became too long to keep (then none of it is).</summary>
    private bool KeepLocked(ChatRequest request)
    {
        if (!_bytes.TryAdd(_utterance.Count, request.MessageData.Length, KeptBytesLocked(), ReferenceEquals(request, _deliveredListenStart)))
        {
            DropUtteranceLocked();
            return false;
        }

        _utterance.Add(request);
        return true;
    }

    /// <summary>
    /// Too long (or no room on the node) to replay whole: after a lost stream only its listen start is replayed (the
    /// audio so far is lost), and a request it held goes with it: the device is told instead of waiting for an answer.
    /// </summary>
    private void DropUtteranceLocked()
    {
        _requestLost |= _utteranceHoldsRequest;
        ClearUtteranceLocked();
        _utteranceClosed = true;
    }

    private long KeptBytesLocked() =>
        _bytes.Kept(_deliveredHello, _deliveredListenStart, _utterance.Count > 0 && ReferenceEquals(_utterance[0], _deliveredListenStart));

    private void ClearUtteranceLocked()
    {
        _bytes.ReleaseUtterance();
        _utterance.Clear();
        _utteranceHoldsRequest = false;
    }
}
