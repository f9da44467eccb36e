using System.Net.WebSockets;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The device's end of a session: <see cref="Socket"/> to read from (its receives seen by the admission policies) and
/// <see cref="Writer"/>, the only way to send to it.
/// </summary>
internal sealed record DeviceConnection(WebSocket Socket, DeviceSocketWriter Writer);
