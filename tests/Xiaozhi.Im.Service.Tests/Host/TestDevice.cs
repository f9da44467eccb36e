using System.Net.WebSockets;
using System.Text;
using Xiaozhi.Im.Service.Tests.Auth;

namespace Xiaozhi.Im.Service.Tests.Host;

/// <summary>A minimal device: a ClientWebSocket with firmware headers and whole-message receive with a timeout.</summary>
public sealed class TestDevice : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private TestDevice(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static string TokenFor(string deviceId, int userId = 1) =>
        TestJwt.Hs256(ImHost.Secret, new { device_id = deviceId, user_id = userId });

    public static async Task<TestDevice> ConnectAsync(ImHost host, string deviceId, int protocolVersion = 1, string? sessionId = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + TokenFor(deviceId, 42));
        socket.Options.SetRequestHeader("Device-Id", deviceId);
        socket.Options.SetRequestHeader("Client-Id", "client-1");
        socket.Options.SetRequestHeader("Protocol-Version", protocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (sessionId is not null)
        {
            socket.Options.SetRequestHeader("Session-Id", sessionId);
        }

        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(host.WebSocketUrl(), cts.Token);
        return new TestDevice(socket);
    }

    public async Task SendTextAsync(string text)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
    }

    public async Task SendBinaryAsync(byte[] data)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await Socket.SendAsync(data, WebSocketMessageType.Binary, true, cts.Token);
    }

    /// <summary>The next whole message, or (Close, empty) when the IM closed.</summary>
    public async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, []);
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    public async Task<string> ReceiveTextAsync()
    {
        var (type, data) = await ReceiveAsync();
        type.Should().Be(WebSocketMessageType.Text);
        return Encoding.UTF8.GetString(data);
    }

    public void Dispose() => Socket.Dispose();
}
