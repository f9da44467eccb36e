using System.Globalization;
using System.Net.WebSockets;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>The closes (and the alert) the admission policies send.</summary>
internal static class AdmissionCloseReasons
{
    /// <summary>The alert before a flood close.</summary>
    public const string FloodAlert = "Too many messages: this connection is being closed.";

    /// <summary>1008: no <c>hello</c> within the hello timeout.</summary>
    public static DeviceClose NoHello(TimeSpan timeout) =>
        new(WebSocketCloseStatus.PolicyViolation, string.Format(CultureInfo.InvariantCulture, "no hello within {0:0.#} s", timeout.TotalSeconds));

    /// <summary>1000: nothing from the device for the idle timeout.</summary>
    public static DeviceClose Idle(TimeSpan timeout) =>
        new(WebSocketCloseStatus.NormalClosure, string.Format(CultureInfo.InvariantCulture, "idle for {0:0.#} s", timeout.TotalSeconds));

    /// <summary>1008: a sustained flood of messages.</summary>
    public static DeviceClose Flood(double perSecond) =>
        new(WebSocketCloseStatus.PolicyViolation, string.Format(CultureInfo.InvariantCulture, "message rate above {0:0.#}/s", perSecond));
}
