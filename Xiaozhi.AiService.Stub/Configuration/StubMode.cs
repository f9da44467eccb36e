namespace Xiaozhi.AiService.Stub.Configuration;

/// <summary>How the stub answers audio (<c>Stub:Mode</c>).</summary>
internal enum StubMode
{
    /// <summary>Behaves like the AI service: listen turns, stt/llm/tts replies, loopback audio.</summary>
    Assistant = 0,

    /// <summary>Benchmark mode: every binary frame (after hello) goes straight back at once, no turns.</summary>
    Echo = 1,
}
