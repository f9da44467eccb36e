namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// What the AI last did for one session, for the idle policy: when its last frame arrived and whether it is speaking
/// (between <c>tts start</c> and <c>tts stop</c>). The downlink notes one timestamp per frame — no timer is touched on
/// the audio path; the idle timer reads this only when it fires.
/// </summary>
internal sealed class AiActivity
{
    private readonly TimeProvider _time;
    private readonly ConversationLedger _ledger;
    private long _lastFrame;

    /// <summary>Starts as if a frame arrived now: a session the AI never answers is as idle as its device.</summary>
    public AiActivity(TimeProvider time, ConversationLedger ledger)
    {
        _time = time;
        _ledger = ledger;
        _lastFrame = time.GetTimestamp();
    }

    /// <summary>True while the device was told the AI is speaking and not yet that it stopped.</summary>
    public bool Speaking => _ledger.Speaking;

    /// <summary>Time since the AI's last frame (or since the session began).</summary>
    public TimeSpan SinceLastFrame => _time.GetElapsedTime(Volatile.Read(ref _lastFrame));

    /// <summary>A frame came from the AI.</summary>
    public void NoteFrame() => Volatile.Write(ref _lastFrame, _time.GetTimestamp());
}
