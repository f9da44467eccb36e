namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>The <c>error_code</c>s of the stub's 999 errors (image codes live in <c>ImageInspector</c>).</summary>
internal static class StubErrorCodes
{
    public const string MissingType = "missing_type";
    public const string InvalidMessageType = "invalid_message_type";
    public const string InvalidListen = "invalid_listen";
    public const string InvalidChat = "invalid_chat";
    public const string InvalidMcp = "invalid_mcp";
    public const string McpInvalidArguments = "mcp_invalid_arguments";
    public const string VisionMissingCmd = "vision_missing_cmd";
    public const string VisionUnknownCmd = "vision_unknown_cmd";
    public const string ImageMissingData = "image_missing_data";
    public const string ImageMissingFormat = "image_missing_format";
    public const string ImageUrlNotSupported = "image_url_not_supported";
    public const string UtteranceTooLong = "utterance_too_long";
    public const string TooManyTurns = "too_many_turns";
    public const string Internal = "internal_error";
    public const string TurnFailed = "turn_failed";
}
