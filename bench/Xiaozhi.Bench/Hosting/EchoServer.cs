using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// (A) the baseline: a minimal Kestrel WebSocket server that sends every message straight back (any path, no auth,
/// no logging), so the gateway's figures can be read as "added by the hop".
/// </summary>
public static class EchoServer
{
    /// <summary>Serves on 127.0.0.1:<paramref name="port"/> until the process is killed or stdin closes (answering <see cref="ChildCommands"/>).</summary>
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            await EchoAsync(socket).ConfigureAwait(false);
        });
        await app.StartAsync().ConfigureAwait(false);
        using var stats = new ServerStatsRecorder(listenToHops: false);
        await Console.Out.WriteLineAsync(BenchChild.ReadyMarker).ConfigureAwait(false);
        await ChildCommands.RunAsync(stats).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
    }

    private static async Task EchoAsync(WebSocket socket)
    {
        try
        {
            while (true)
            {
                // As the IM's uplink does: an idle connection waits with a zero-byte receive and holds no buffer, so A's
                // memory per idle device is the WebSocket connection alone (a 16 KB buffer held per connection here
                // once made the IM's session and ChatStream look free).
                var first = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (first.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                try
                {
                    var result = first;
                    if (!first.EndOfMessage)
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                    }

                    await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
        }
    }
}
