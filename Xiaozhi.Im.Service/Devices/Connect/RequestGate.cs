using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Sessions;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>
/// What the request itself must be, before any work for it: a configured path (404), a WebSocket upgrade (426), a node
/// not draining (503). The drain is decided here alone.
/// </summary>
internal sealed class RequestGate(IOptions<DeviceWebSocketOptions> webSocket, GatewayDrain drain)
{
    private readonly WebSocketPathMatcher _paths = new(webSocket.Value.EffectivePaths);

    public bool IsDraining => drain.IsDraining;

    public ConnectRefusal? Check(HttpContext context)
    {
        if (!_paths.IsAllowed(context.Request.Path.Value))
        {
            return ConnectRefusal.PathNotAllowed;
        }

        return context.WebSockets.IsWebSocketRequest ? CheckDraining() : ConnectRefusal.NotWebSocket;
    }

    public ConnectRefusal? CheckDraining() => drain.IsDraining ? ConnectRefusal.Draining : null;
}
