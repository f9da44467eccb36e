using System.Buffers;
using System.Text.Json;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// Builds the IM's own <c>alert</c> text frames, shown by the firmware to the user:
/// <c>{"type":"alert","status":"error","message":"…","emotion":"sad"}</c>.
/// </summary>
internal static class DeviceAlert
{
    /// <summary>The <c>status</c> of every alert the IM sends.</summary>
    public const string ErrorStatus = "error";

    /// <summary>The <c>emotion</c> of every alert the IM sends.</summary>
    public const string SadEmotion = "sad";

    /// <summary>The UTF-8 JSON of an error alert with <paramref name="message"/>.</summary>
    public static byte[] Error(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(96 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "alert"u8);
            writer.WriteString("status"u8, ErrorStatus);
            writer.WriteString("message"u8, message);
            writer.WriteString("emotion"u8, SadEmotion);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
