namespace Xiaozhi.Im.Service.Sessions;

/// <summary>What a device frame means for a resume (whether it must be replayed or is already among the kept frames).</summary>
public enum UplinkFrameTag
{
    /// <summary>Anything else.</summary>
    Other,

    /// <summary>A <c>hello</c>.</summary>
    Hello,

    /// <summary>A <c>listen</c> with state <c>start</c>.</summary>
    ListenStart,

    /// <summary>A <c>listen</c> with state <c>stop</c>.</summary>
    ListenStop,

    /// <summary>A <c>chat</c>: a typed utterance, replayed like a spoken one until the AI service answers it.</summary>
    Chat,
}
