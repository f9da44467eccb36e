namespace Xiaozhi.Im.Service.Protocol;

/// <summary>Server messages the IM sends on the AI's behalf.</summary>
internal static class SynthesizedServerMessages
{
    /// <summary>
    /// <c>{"type":"tts","state":"stop"}</c>: sent when a session's stream ended while the AI was speaking (the device got
    /// <c>tts start</c> but no <c>tts stop</c>), so the firmware's state machine leaves "speaking" instead of hanging.
    /// </summary>
    public static ReadOnlyMemory<byte> TtsStop { get; } = """{"type":"tts","state":"stop"}"""u8.ToArray();
}
