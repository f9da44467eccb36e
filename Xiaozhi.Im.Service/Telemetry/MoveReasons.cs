using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>The bounded <c>reason</c> label of the moves and departures metrics.</summary>
internal static class MoveReasons
{
    /// <summary>The stream's connection received GOAWAY; moved at a quiet moment.</summary>
    public const string GoAway = "goaway";

    /// <summary>The stream's connection received GOAWAY and the session stayed busy past <c>Ai:Moves:GoAwayBusyLimit</c>.</summary>
    public const string GoAwayBusyLimit = "goaway_busy_limit";

    /// <summary>The label of an endpoint departure's reasons (the first that holds, in the enum's order).</summary>
    public static string Of(EndpointDepartureReason reasons) =>
        reasons.HasFlag(EndpointDepartureReason.NotServing) ? "not_serving"
        : reasons.HasFlag(EndpointDepartureReason.Retired) ? "retired"
        : reasons.HasFlag(EndpointDepartureReason.Ejected) ? "ejected"
        : "none";
}
