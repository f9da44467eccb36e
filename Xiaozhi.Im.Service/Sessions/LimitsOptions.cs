namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Timing and buffer limits (section <c>Limits</c>).</summary>
internal sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>How long the IM waits for the device's close answer (and for a blocked send) before aborting. Default 2 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After the device left: how long the response stream may take to end before the call is cancelled. Default 2 s.</summary>
    public TimeSpan UpstreamDrainTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Initial pooled receive buffer per session; grows up to the frame limit for large messages. Default 16 KiB.</summary>
    public int InitialReceiveBufferBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// What one session keeps for a replay at most, in payload bytes: its last <c>hello</c>, its open <c>listen start</c>
    /// and the unanswered utterance or request. Past it the utterance is not kept (a request in it is reported lost
    /// after a resume). Default 1.5 MiB (the 1 MiB utterance of <c>Ai:Resume:MaxReplayBytes</c> and room for both
    /// control messages at <c>WebSocket:MaxControlFrameBytes</c>).
    /// </summary>
    public long MaxKeptBytesPerSession { get; set; } = 1536 * 1024;

    /// <summary>
    /// What all sessions of the node may keep together, in payload bytes: resume buffers and the requests kept for a
    /// replay. A session that would pass it loses what it wanted to keep (its request is reported lost, a resume
    /// buffer fails the session as a full buffer does) instead of the node running out of memory. 0 (the default) = a
    /// quarter of the memory available to the process (a container's limit included).
    /// </summary>
    public long NodeBufferedBytes { get; set; }

    /// <summary>A send to a device that does not complete within it means the device stopped reading: it is cut off (1008). Default 10 s.</summary>
    public TimeSpan DeviceSendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On host stop: how long sessions in a turn (listening or speaking) may take to finish it before they are closed
    /// with 1001 anyway. Idle sessions are closed at once. Default 30 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
