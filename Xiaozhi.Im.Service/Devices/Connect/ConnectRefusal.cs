using Microsoft.AspNetCore.Http;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Logging;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>
/// An upgrade refused before any WebSocket exists, as one value: what the device is told (<see cref="Status"/> and the
/// plain-text <see cref="Reason"/>), what the operator reads (<see cref="LogEvent"/> with <see cref="LogDetail"/>) and
/// the <c>reason</c> label of <c>xiaozhi_im_upgrades_rejected_total</c>. <see cref="ConnectRefusals"/> answers it.
/// </summary>
internal sealed record ConnectRefusal(int Status, string Reason, string MetricLabel, ConnectLogEvent LogEvent, string LogDetail)
{
    /// <summary>For <see cref="ConnectLogEvent.AuthFailed"/>: whether the device sent a token at all.</summary>
    public bool TokenPresent { get; init; }

    public static ConnectRefusal PathNotAllowed { get; } = new(
        StatusCodes.Status404NotFound, "not found: devices connect with a WebSocket on one of the configured paths", "path", ConnectLogEvent.Refused, "path not in WebSocket:Paths");

    public static ConnectRefusal NotWebSocket { get; } = new(
        StatusCodes.Status426UpgradeRequired, "WebSocket upgrade required", "not_websocket", ConnectLogEvent.Refused, "not a WebSocket upgrade");

    public static ConnectRefusal Draining { get; } = new(
        StatusCodes.Status503ServiceUnavailable, "server draining, try again later", "draining", ConnectLogEvent.Refused, "draining");

    public static ConnectRefusal NoDeviceId { get; } = new(
        StatusCodes.Status400BadRequest, "Device-Id is required (header Device-Id or query device-id)", "no_device_id", ConnectLogEvent.Refused, "no Device-Id");

    public static ConnectRefusal DeviceConnected { get; } = new(
        StatusCodes.Status409Conflict, "this device already has a live connection", "duplicate", ConnectLogEvent.Refused, "device already connected");

    /// <summary>Two connections of one device at once under Reject: the first claimed it, this one is refused.</summary>
    public static ConnectRefusal DeviceConnecting { get; } = new(
        StatusCodes.Status409Conflict, "another connection of this device is being set up", "duplicate_connecting", ConnectLogEvent.Refused, "another connection of the device is being set up");

    public static ConnectRefusal NoAiEndpoint { get; } = new(
        StatusCodes.Status503ServiceUnavailable, "AI service unavailable, try again later", "no_ai_endpoint", ConnectLogEvent.Refused, "no AI endpoint connectable");

    /// <summary>Capacity, per-IP rate or Origin: the policy's own status, reason and category.</summary>
    public static ConnectRefusal NotAdmitted(AdmissionDecision decision) =>
        new(decision.StatusCode, decision.Reason, decision.Category, ConnectLogEvent.Refused, decision.Category);

    /// <summary>The handshake's identity could not be read; the error quotes the device's text, escaped for the log.</summary>
    public static ConnectRefusal BadHandshake(HandshakeProblem problem, string error) =>
        new(StatusCodes.Status400BadRequest, error, problem switch
        {
            HandshakeProblem.BadIdHeader => "bad_id_header",
            HandshakeProblem.BadProtocolVersion => "bad_protocol_version",
            _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, "a handshake problem without a metric label"),
        }, ConnectLogEvent.Refused, LogText.Escape(error));

    /// <summary>The token failed; the reason may quote the token's own header (its alg), escaped for the log.</summary>
    public static ConnectRefusal Unauthorized(string reason, bool tokenPresent) =>
        new(StatusCodes.Status401Unauthorized, reason, "auth", ConnectLogEvent.AuthFailed, LogText.Escape(reason)) { TokenPresent = tokenPresent };
}
