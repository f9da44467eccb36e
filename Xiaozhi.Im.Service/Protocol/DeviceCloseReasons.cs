using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>
/// Every WebSocket close the IM initiates, with its code and reason. Reasons are cut to the 123 UTF-8 bytes a
/// close frame allows.
/// </summary>
internal static class DeviceCloseReasons
{
    /// <summary>The largest close reason a close frame can carry (125-byte control payload minus the 2-byte code).</summary>
    public const int MaxReasonBytes = 123;

    /// <summary>1000: answering a close the device started.</summary>
    public static DeviceClose Normal { get; } = new(WebSocketCloseStatus.NormalClosure, "goodbye");

    /// <summary>1001: the IM host is stopping.</summary>
    public static DeviceClose Shutdown { get; } = new(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");

    /// <summary>1008: another connection for the same Device-Id took over (policy Replace).</summary>
    public static DeviceClose Replaced { get; } = new(WebSocketCloseStatus.PolicyViolation, "replaced by a new connection for this device");

    /// <summary>1008: lost a race with another connection for the same Device-Id (policy Reject).</summary>
    public static DeviceClose DuplicateRejected { get; } = new(WebSocketCloseStatus.PolicyViolation, "another connection for this device is active");

    /// <summary>1009: a device message larger than the configured frame limit.</summary>
    public static DeviceClose TooBig(bool text, long limit) => new(
        WebSocketCloseStatus.MessageTooBig,
        string.Format(CultureInfo.InvariantCulture, "{0} message larger than {1} bytes", text ? "text" : "binary", limit));

    /// <summary>1011: the AI service ended the session's stream normally.</summary>
    public static DeviceClose UpstreamEnded { get; } = new(WebSocketCloseStatus.InternalServerError, "the AI service ended the session");

    /// <summary>1011: the session's stream to the AI service failed.</summary>
    public static DeviceClose UpstreamFailed(string statusCode) => new(
        WebSocketCloseStatus.InternalServerError,
        "connection to the AI service failed (" + statusCode + ")");

    /// <summary>1011: no new stream to the AI service could be opened within the resume limits.</summary>
    public static DeviceClose ResumeFailed(string why) => new(
        WebSocketCloseStatus.InternalServerError,
        "connection to the AI service lost (" + why + ")");

    /// <summary>1011: the session failed in a way the IM did not expect (a bug; the exception is logged as event 4013).</summary>
    public static DeviceClose InternalError { get; } = new(WebSocketCloseStatus.InternalServerError, "internal error");

    /// <summary>1008: the device stopped reading (a send did not complete within Limits:DeviceSendTimeout).</summary>
    public static DeviceClose SlowConsumer { get; } = new(WebSocketCloseStatus.PolicyViolation, "device stopped reading");

    /// <summary>Cuts <paramref name="reason"/> to at most <see cref="MaxReasonBytes"/> UTF-8 bytes, on a character boundary.</summary>
    public static string Fit(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxReasonBytes)
        {
            return reason;
        }

        var builder = new StringBuilder(reason.Length);
        var bytes = 0;
        foreach (var rune in reason.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > MaxReasonBytes)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }
}
