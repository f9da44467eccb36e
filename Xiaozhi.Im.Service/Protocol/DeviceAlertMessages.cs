using System.Globalization;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>The wording of every <c>alert</c> the IM itself sends (the README lists them).</summary>
internal static class DeviceAlertMessages
{
    /// <summary>A 999 response without message or code.</summary>
    public const string AiErrorWithoutDetails = "AI service error";

    /// <summary>The session's upstream stream ended normally while the device was connected.</summary>
    public const string UpstreamEnded = "The AI service ended the conversation.";

    /// <summary>The session's upstream stream failed while the device was connected.</summary>
    public const string UpstreamFailed = "Lost the connection to the AI service.";

    /// <summary>
    /// The AI service's stream was lost before it answered the device's last request (a <c>chat</c>, <c>image</c> or
    /// <c>vision</c>) and that request was too large to keep for a replay (<c>Ai:Resume:MaxReplayBytes</c>).
    /// </summary>
    public const string RequestLost = "Lost your last request while reconnecting to the AI service; please ask again.";

    /// <summary>
    /// The session moved off a connection the AI service was closing (GOAWAY) while the AI was still answering, past
    /// <c>Ai:Moves:GoAwayBusyLimit</c>: the rest of that answer is lost (a <c>tts stop</c> follows).
    /// </summary>
    public const string AnswerCut = "The answer was cut short while moving to a fresh connection to the AI service; please ask again.";

    /// <summary>
    /// The AI service's stream ended (a crashed or reset backend) while the AI was answering: the rest of that answer
    /// is lost, as the request it answered is not replayed (a <c>tts stop</c> follows).
    /// </summary>
    public const string AnswerLost = "The answer was cut short: the connection to the AI service was lost; please ask again.";

    /// <summary>A malformed binary frame (the problem names the version, the field and the sizes, never the payload).</summary>
    public static string InvalidBinaryFrame(string problem) => "Invalid binary frame: " + problem + ".";

    /// <summary>A device frame that would exceed <c>Ai:MaxMessageBytes</c> as a ChatRequest; it was not sent.</summary>
    public static string TooLargeForAiService(long requestBytes, long limit) => string.Format(
        CultureInfo.InvariantCulture,
        "Message not sent: {0} bytes exceeds the AI service limit of {1} bytes (Ai:MaxMessageBytes).",
        requestBytes,
        limit);
}
