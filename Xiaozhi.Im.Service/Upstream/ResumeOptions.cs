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

    /// <summary>Device frames kept while no stream is open. Default 256.</summary>
    public int MaxBufferedFrames { get; set; } = 256;

    /// <summary>Payload bytes kept while no stream is open. Default 1 MiB.</summary>
    public long MaxBufferedBytes { get; set; } = 1024 * 1024;

    /// <summary>The oldest kept frame may not be older. Default 10 s.</summary>
    public TimeSpan MaxBufferAge { get; set; } = TimeSpan.FromSeconds(10);
}
