using System.Net.WebSockets;

namespace Xiaozhi.Im.Service.Protocol;

/// <summary>A close the IM sends to a device: code and human-readable reason (at most 123 UTF-8 bytes).</summary>
internal sealed record DeviceClose
{
    /// <summary>Creates a close; the reason is cut to fit a close frame.</summary>
    public DeviceClose(WebSocketCloseStatus status, string reason)
    {
        Status = status;
        Reason = DeviceCloseReasons.Fit(reason);
    }

    /// <summary>The close code.</summary>
    public WebSocketCloseStatus Status { get; }

    public string Reason { get; }

    /// <inheritdoc />
    public override string ToString() => $"{(int)Status} {Reason}";
}
