namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>The <c>mode</c> of <c>listen start</c>.</summary>
internal enum ListenMode
{
    /// <summary>The utterance ends at <c>listen stop</c> only.</summary>
    Manual,

    /// <summary>Server VAD ends the utterance; the device starts listening again itself.</summary>
    Auto,

    /// <summary>Server VAD ends the utterance; listening continues for the next one.</summary>
    Realtime,
}
