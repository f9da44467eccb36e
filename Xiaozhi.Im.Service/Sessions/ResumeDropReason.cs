namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Why device frames kept for a resuming session were dropped (each drop is counted and logged).</summary>
internal enum ResumeDropReason
{
    /// <summary>More than <c>Ai:Resume:MaxHeldFrames</c> frames.</summary>
    BufferFrames,

    /// <summary>More than <c>Ai:Resume:MaxHeldBytes</c> payload bytes.</summary>
    BufferBytes,

    /// <summary>The oldest frame became older than <c>Ai:Resume:MaxBufferAge</c>.</summary>
    BufferAge,

    /// <summary>No stream resumed within <c>Ai:Resume:Timeout</c>.</summary>
    ResumeTimeout,

    /// <summary>The session ended (device left, host stopped) while frames were still kept.</summary>
    SessionEnded,

    /// <summary>The node's sessions together keep <c>Limits:NodeBufferedBytes</c> already.</summary>
    NodeBudget,
}
