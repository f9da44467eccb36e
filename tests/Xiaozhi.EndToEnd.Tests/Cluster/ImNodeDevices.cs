using System.Net.WebSockets;

namespace Xiaozhi.EndToEnd.Tests.Cluster;

/// <summary>A device on a child <see cref="ImNode"/>, dialled with the same headers <see cref="DeviceClient"/> sends; the socket is the test's.</summary>
internal static class ImNodeDevices
{
    public static async Task<ClientWebSocket> ConnectDeviceAsync(this ImNode node, string jwtSecret, string deviceId, string sessionId)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + TestTokens.For(jwtSecret, deviceId));
        socket.Options.SetRequestHeader("Device-Id", deviceId);
        socket.Options.SetRequestHeader("Client-Id", Guid.NewGuid().ToString());
        socket.Options.SetRequestHeader("Session-Id", sessionId);
        using var timeout = new CancellationTokenSource(DeviceClient.DefaultTimeout);
        await socket.ConnectAsync(node.DeviceUrl, timeout.Token);
        return socket;
    }
}
