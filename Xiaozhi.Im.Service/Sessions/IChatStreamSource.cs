using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Where a session gets a new ChatStream when it resumes or moves (the <see cref="AiEndpointPool"/>).</summary>
internal interface IChatStreamSource
{
    /// <summary>Completes the next time an endpoint becomes connectable again (a waiting resume retries at once).</summary>
    Task EndpointRecovered { get; }

    /// <summary>A stream on a healthy endpoint, or null when none was connectable within <paramref name="connectTimeout"/>.</summary>
    Task<AiChatStream?> OpenChatStreamAsync(SessionMetadata session, CancellationToken cancellationToken, TimeSpan? connectTimeout = null);
}
