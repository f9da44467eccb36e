using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>What the <see cref="SessionRegistry"/> needs of a live session.</summary>
public interface IDeviceSession
{
    /// <summary>The device the session belongs to.</summary>
    string DeviceId { get; }

    /// <summary>The session id.</summary>
    string SessionId { get; }

    /// <summary>Closes the device's WebSocket with <paramref name="close"/>; the session then winds down on its own.</summary>
    Task CloseAsync(DeviceClose close);
}
