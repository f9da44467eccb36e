using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>The JSON text frames the stub sends, compact, in the key order of the real service, with <c>session_id</c>.</summary>
internal static class ServerMessages
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Hello(string sessionId, string format, int sampleRate, int frameDurationMs) => Write(w =>
    {
        w.WriteString("type", "hello");
        w.WriteNumber("version", 1);
        w.WriteString("transport", "websocket");
        w.WriteString("session_id", sessionId);
        w.WriteStartObject("audio_params");
        w.WriteString("format", format);
        w.WriteNumber("sample_rate", sampleRate);
        w.WriteNumber("channels", 1);
        w.WriteNumber("frame_duration", frameDurationMs);
        w.WriteEndObject();
    });

    public static byte[] Stt(string sessionId, string text) => Write(w =>
    {
        w.WriteString("type", "stt");
        w.WriteString("text", text);
        w.WriteString("session_id", sessionId);
    });

    /// <summary><c>{"type":"llm","emotion":"happy","text":"😊"}</c>; the emoji is written as raw UTF-8, not escaped.</summary>
    public static byte[] LlmHappy(string sessionId) => Write(w =>
    {
        w.WriteString("type", "llm");
        w.WriteString("emotion", "happy");
        w.WritePropertyName("text");
        w.WriteRawValue("\"😊\"");
        w.WriteString("session_id", sessionId);
    });

    public static byte[] Tts(string sessionId, string state, string? text = null) => Write(w =>
    {
        w.WriteString("type", "tts");
        w.WriteString("state", state);
        if (text is not null)
        {
            w.WriteString("text", text);
        }

        w.WriteString("session_id", sessionId);
    });

    /// <summary><c>{"type":"mcp","payload":{"jsonrpc":"2.0","id":N,"method":M,"params":{…}},"session_id":S}</c>.</summary>
    public static byte[] McpRequest(string sessionId, long id, string method, Action<Utf8JsonWriter> writeParams) => Write(w =>
    {
        w.WriteString("type", "mcp");
        w.WriteStartObject("payload");
        w.WriteString("jsonrpc", "2.0");
        w.WriteNumber("id", id);
        w.WriteString("method", method);
        w.WriteStartObject("params");
        writeParams(w);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("session_id", sessionId);
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
