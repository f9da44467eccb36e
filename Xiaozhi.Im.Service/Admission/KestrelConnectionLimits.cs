using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// Kestrel's own connection caps on the device port, derived from <see cref="AdmissionOptions.MaxConcurrentSessions"/>
/// (S) with a headroom H = max(100, S / 10). Kestrel counts a connection as "upgraded" once its WebSocket is accepted
/// and as a plain connection before that, so:
/// upgraded = S + H (a closing session still holds its socket for a moment after its admission slot is back), and
/// plain = S + H (admitted connections awaiting their upgrade, at most S, plus refusals being answered). Admission
/// refuses politely well before either; these only stop what never reaches it (clients that connect and send nothing).
/// </summary>
internal static class KestrelConnectionLimits
{
    /// <summary>The headroom above the session limit.</summary>
    public static long Headroom(AdmissionOptions admission) => Math.Max(100, admission.MaxConcurrentSessions / 10);

    /// <summary>Sets <see cref="KestrelServerLimits.MaxConcurrentConnections"/> and <see cref="KestrelServerLimits.MaxConcurrentUpgradedConnections"/>.</summary>
    public static void Apply(KestrelServerLimits limits, AdmissionOptions admission)
    {
        var total = admission.MaxConcurrentSessions + Headroom(admission);
        limits.MaxConcurrentUpgradedConnections = total;
        limits.MaxConcurrentConnections = total;
    }
}
