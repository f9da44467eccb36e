namespace Xiaozhi.AiService.Stub.Configuration;

/// <summary>
/// The stub's behaviour, bound from the <c>Stub</c> configuration section. Every default the stub needs lives
/// here (tests run with an empty content root, so nothing may depend on appsettings.json).
/// </summary>
internal sealed class StubOptions
{
    public const string SectionName = "Stub";

    /// <summary><c>assistant</c> (default) or <c>echo</c>.</summary>
    public StubMode Mode { get; set; } = StubMode.Assistant;

    /// <summary>Pace downlink audio like the real service (first 3 frames at once, then one per frame duration).</summary>
    public bool PacingEnabled { get; set; } = true;

    /// <summary>Frames sent at once before pacing starts.</summary>
    public int PacingBurstFrames { get; set; } = 3;

    /// <summary>Silence after the last frame that ends an utterance in auto/realtime listening.</summary>
    public int VadSilenceMs { get; set; } = 600;

    /// <summary>Synthetic audio frames in a chat (and other non-voice) turn.</summary>
    public int SyntheticFrames { get; set; } = 5;

    /// <summary>Send MCP <c>initialize</c> as soon as a stream opens (the Go service's habit), before any hello.</summary>
    public bool McpInitializeOnConnect { get; set; }

    /// <summary>How long the stub waits for the device to answer one of its MCP requests.</summary>
    public int McpTimeoutMs { get; set; } = 10_000;

    /// <summary>gRPC max receive and send message size.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest decoded image accepted by <c>image</c>.</summary>
    public int MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Concurrent HTTP/2 streams per connection (the IM multiplexes many sessions on few connections).</summary>
    public int MaxStreamsPerConnection { get; set; } = 1000;

    /// <summary>Frames collected for one utterance before the stub answers 999 <c>utterance_too_long</c>.</summary>
    public int MaxUtteranceFrames { get; set; } = 5000;

    /// <summary>Turns waiting behind the one playing before the stub answers 999 <c>too_many_turns</c>.</summary>
    public int MaxPendingTurns { get; set; } = 16;

    /// <summary>Sessions kept for inspection (oldest finished sessions are forgotten first).</summary>
    public int MaxRecordedSessions { get; set; } = 1000;

    /// <summary>
    /// Requests kept per session for inspection (oldest are forgotten first); 0 keeps none. Bounded because every kept
    /// request holds its bytes: a stub fed audio for hours, or a benchmark's thousands of streams, would otherwise grow a
    /// heap its garbage collector has to walk (100,000 per session once made the benchmark's backend stall for 90 ms).
    /// </summary>
    public int MaxRecordedRequestsPerSession { get; set; } = 1_000;
}
