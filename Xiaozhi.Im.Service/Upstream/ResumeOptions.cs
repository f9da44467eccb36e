namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// How a session whose ChatStream ended while the device is still connected gets a new stream (section
/// <c>Ai:Resume</c>): exponential backoff with jitter, device frames kept in order in a bounded buffer meanwhile.
/// </summary>
internal sealed class ResumeOptions
{
    /// <summary>The first backoff before a new stream is opened. Default 100 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest backoff between attempts. Default 5 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>No stream resumed within it: <c>alert</c> + close 1011. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Device frames held while no stream is open; one more fails the session (alert + 1011). Default 256.</summary>
    public int MaxHeldFrames { get; set; } = 256;

    /// <summary>Payload bytes held while no stream is open; past it the session fails (alert + 1011). Default 1 MiB.</summary>
    public long MaxHeldBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Frames of the unanswered utterance kept to replay on a new stream; past it only its listen start is replayed and a
    /// request in it is reported lost (the session goes on). Default 256.
    /// </summary>
    public int MaxReplayFrames { get; set; } = 256;

    /// <summary>Payload bytes of the unanswered utterance (or the largest single request) kept to replay. Default 1 MiB.</summary>
    public long MaxReplayBytes { get; set; } = 1024 * 1024;

    /// <summary>The oldest kept frame may not be older. Default 10 s.</summary>
    public TimeSpan MaxBufferAge { get; set; } = TimeSpan.FromSeconds(10);
}
