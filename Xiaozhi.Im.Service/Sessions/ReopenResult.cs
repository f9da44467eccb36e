using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>How a <see cref="StreamReopener.ReopenAsync"/> ended: the attached stream, or why there is none.</summary>
internal readonly record struct ReopenResult(AiChatStream? Stream, bool IsTimedOut)
{
    /// <summary>No stream within the resume timeout: the session fails.</summary>
    public static ReopenResult TimedOut => new(null, true);

    /// <summary>Cancelled, the device left, or the attach gave up (the upstream failed): nothing to report here.</summary>
    public static ReopenResult GaveUp => new(null, false);

    public static ReopenResult Opened(AiChatStream stream) => new(stream, false);
}
