namespace Xiaozhi.Im.Service.Sessions;

/// <summary>What a device frame means for a resume (whether it must be replayed or is already among the kept frames).</summary>
internal enum UplinkFrameTag
{
    /// <summary>Anything else.</summary>
    Other,

    /// <summary>A <c>hello</c>.</summary>
    Hello,

    /// <summary>A <c>listen</c> with state <c>start</c>.</summary>
    ListenStart,

    /// <summary>A <c>listen</c> with state <c>stop</c>.</summary>
    ListenStop,

    /// <summary>
    /// A request that is not spoken — a typed utterance (<c>chat</c>), a picture with a question (<c>image</c>), a
    /// <c>vision</c> command —, replayed after a lost stream like a spoken utterance until the AI service answers it.
    /// </summary>
    Request,
}
