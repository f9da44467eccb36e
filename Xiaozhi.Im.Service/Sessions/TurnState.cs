namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// What the device's turn is doing as the device sees it: listening (its last <c>listen</c> was <c>start</c>), the AI
/// answering its last utterance or request, the AI speaking, and how many answers came so far (the mark a request's
/// write is checked against). Whether the device ends up told of a cut answer (<see cref="Answering"/>) and whether a
/// move may go now (<see cref="IsIdle"/>) are read here. Not thread-safe: the <see cref="ConversationLedger"/> guards
/// it. No allocation: it sees every frame.
/// </summary>
internal sealed class TurnState
{
    private bool _answered; // the AI answered the last utterance or request (stt, tts start) and the turn has not ended

    /// <summary>True while the device is in a voice turn (its last <c>listen</c> was <c>start</c>).</summary>
    public bool Listening { get; private set; }

    /// <summary>True while the AI speaks (the device got <c>tts start</c> and no <c>tts stop</c> yet).</summary>
    public bool Speaking { get; private set; }

    /// <summary>
    /// True from the AI's first answer to the device's last utterance or request until the turn ended, the AI reported
    /// an error, or the device moved on; speaking is always answering.
    /// </summary>
    public bool Answering => _answered || Speaking;

    /// <summary>Neither listening nor speaking: a good moment to move the session.</summary>
    public bool IsIdle => !Listening && !Speaking;

    /// <summary>How many answers the AI gave so far; a request whose write saw it change was answered meanwhile.</summary>
    public long AnswerMark { get; private set; }

    /// <summary>The device said <c>listen start</c> (true) or <c>listen stop</c> (false).</summary>
    public void NoteListening(bool listening) => Listening = listening;

    /// <summary>
    /// A new <c>listen start</c> or request reached the AI service: what the AI answered before is no longer what it
    /// answers now (a stream lost from here cuts nothing the device waits for but this, which is kept for a replay).
    /// </summary>
    public void DeviceMovedOn() => _answered = false;

    /// <summary>The AI answered (<c>stt</c>, or a <c>tts start</c> through <see cref="StartSpeaking"/>).</summary>
    public void AiAnswered()
    {
        _answered = true;
        AnswerMark++;
    }

    /// <summary>A <c>tts start</c>: false when the AI already speaks; otherwise it speaks now, which answers the turn.</summary>
    public bool StartSpeaking()
    {
        if (Speaking)
        {
            return false;
        }

        Speaking = true;
        AiAnswered();
        return true;
    }

    /// <summary>The AI reported an error (999): the device got an alert for it, so the answer ended there.</summary>
    public void AiFailed() => _answered = false;

    /// <summary>The device was told the AI stopped speaking (a forwarded or synthesized <c>tts stop</c>).</summary>
    public void Ended()
    {
        Speaking = false;
        _answered = false;
    }
}
