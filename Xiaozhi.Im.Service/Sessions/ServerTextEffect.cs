namespace Xiaozhi.Im.Service.Sessions;

/// <summary>What a server text frame means for the turn (<see cref="ConversationLedger.NoteServerText"/>).</summary>
internal enum ServerTextEffect
{
    /// <summary>Nothing for the turn.</summary>
    None,

    /// <summary>An <c>stt</c>: the AI service heard the utterance.</summary>
    Answering,

    /// <summary>The <c>tts start</c> that starts the AI speaking (an answer too).</summary>
    SpeakingStarted,

    /// <summary>A <c>tts stop</c>: the turn ends once it reached the device.</summary>
    TurnEnding,
}
