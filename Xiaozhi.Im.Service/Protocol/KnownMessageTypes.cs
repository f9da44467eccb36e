namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// The message <c>type</c>s of the xiaozhi protocol, either direction. Anything a device or the AI service sends is
/// labelled by one of these (or a fixed label) wherever a name is kept: metric tags and span events must not grow with
/// what a device writes.
/// </summary>
internal static class KnownMessageTypes
{
    /// <summary>Every known type.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "hello", "listen", "abort", "mcp", "chat", "image", "vision", "iot", "goodbye",
        "stt", "llm", "tts", "alert", "system",
    };
}
