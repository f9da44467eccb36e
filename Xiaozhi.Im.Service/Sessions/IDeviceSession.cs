using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>What the <see cref="ISessionRegistry"/> needs of a live session.</summary>
internal interface IDeviceSession
{
    /// <summary>The device the session belongs to.</summary>
    string DeviceId { get; }

    string SessionId { get; }

    /// <summary>Closes the device's WebSocket with <paramref name="close"/>; the session then winds down on its own.</summary>
    Task CloseAsync(DeviceClose close);

    /// <summary>
    /// Host draining: close with 1001 when idle or once the turn in progress ended; completes when the close was sent.
    /// When <paramref name="deadline"/> fires first, close anyway. The default closes at once.
    /// </summary>
    Task DrainAsync(CancellationToken deadline) => CloseAsync(DeviceCloseReasons.Shutdown);
}
