using System.Text.Json;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>The device-side steps every test repeats: hello, a voice turn, a chat turn.</summary>
public static class DeviceConversation
{
    /// <summary>Sends a firmware-like hello and returns the server hello (MCP frames before it are answered when a server is given).</summary>
    public static async Task<DeviceFrame> HelloAsync(this DeviceClient device, bool mcp = false, string format = "opus", DeviceMcpServer? mcpServer = null)
    {
        await device.SendJsonAsync(new
        {
            type = "hello",
            version = 1,
            transport = "websocket",
            features = new { mcp },
            audio_params = new { format, sample_rate = 16000, channels = 1, frame_duration = 60 },
        });
        while (true)
        {
            var frame = await device.ReceiveAsync();
            if (frame.JsonType == "hello")
            {
                return frame;
            }

            if (mcpServer is null || !await mcpServer.TryAnswerAsync(frame))
            {
                throw new AssertionException($"expected the server hello, got {frame}");
            }
        }
    }

    /// <summary>A manual voice turn: listen start, the frames, listen stop; returns everything up to tts stop.</summary>
    public static async Task<TurnReply> VoiceTurnAsync(this DeviceClient device, IReadOnlyList<byte[]> frames, string mode = "manual", Func<byte[], byte[]>? wrap = null)
    {
        await device.SendJsonAsync(new { session_id = "", type = "listen", state = "start", mode });
        foreach (var frame in frames)
        {
            await device.SendBinaryAsync(wrap is null ? frame : wrap(frame));
        }

        if (mode == "manual")
        {
            await device.SendJsonAsync(new { session_id = "", type = "listen", state = "stop" });
        }

        return new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));
    }

    /// <summary>A typed chat turn; returns everything up to tts stop.</summary>
    public static async Task<TurnReply> ChatAsync(this DeviceClient device, string text)
    {
        await device.SendJsonAsync(new { type = "chat", text });
        return new TurnReply(await device.ReceiveUntilTypeAsync("tts", "stop"));
    }

    /// <summary>Parses a JSON string for assertions.</summary>
    public static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
