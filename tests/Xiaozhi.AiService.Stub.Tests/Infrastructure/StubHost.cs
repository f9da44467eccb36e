using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xiaozhi.AiService.Stub.Faults;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Tests.Infrastructure;

/// <summary>A real stub on Kestrel at 127.0.0.1 with OS-assigned ports, and a plain gRPC client for it.</summary>
internal sealed class StubHost : IAsyncDisposable
{
    private readonly DirectoryInfo _contentRoot;
    private int _connectionsOpened;

    private StubHost(WebApplication app, DirectoryInfo contentRoot)
    {
        App = app;
        _contentRoot = contentRoot;
        GrpcAddress = app.GetGrpcAddress();
        OtaAddress = app.GetOtaAddress();
        Channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectCallback = async (context, token) =>
                {
                    Interlocked.Increment(ref _connectionsOpened);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(context.DnsEndPoint, token);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        Client = new AIService.AIServiceClient(Channel);
    }

    public WebApplication App { get; }

    public Uri GrpcAddress { get; }

    public Uri OtaAddress { get; }

    public GrpcChannel Channel { get; }

    public AIService.AIServiceClient Client { get; }

    public StubSessionRegistry Sessions => App.Services.GetRequiredService<StubSessionRegistry>();

    public StubFaults Faults => App.Services.GetRequiredService<StubFaults>();

    /// <summary>TCP connections the client has opened to the stub.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    public static async Task<StubHost> StartAsync(IEnumerable<string>? args = null, Action<WebApplicationBuilder>? configure = null, bool pacing = false)
    {
        var contentRoot = Directory.CreateTempSubdirectory("xiaozhi-stub-tests-");
        string[] all =
        [
            "--contentRoot", contentRoot.FullName,
            "--urls", "http://127.0.0.1:0",
            "--Ota:Urls", "http://127.0.0.1:0",
            "--Auth:JwtSecret", "abc",
            "--Stub:PacingEnabled", pacing ? "true" : "false",
            "--Logging:LogLevel:Default", "Warning",
            .. args ?? [],
        ];
        var app = StubApplication.Build(all, configure);
        await app.StartAsync();
        return new StubHost(app, contentRoot);
    }

    /// <summary>Opens a ChatStream with the session metadata headers the IM sends.</summary>
    public DeviceStream Open(string? sessionId = null, string? deviceId = null, bool sendHeaders = true, Metadata? extraHeaders = null)
    {
        var identity = new ChatSessionIdentity(
            sessionId ?? "s-" + Guid.NewGuid().ToString("N")[..12],
            deviceId ?? "aa:bb:cc:" + Random.Shared.Next(0, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture).Insert(4, ":").Insert(2, ":"),
            Guid.NewGuid().ToString());
        var headers = new Metadata();
        if (sendHeaders)
        {
            headers.Add(SessionMetadataHeaders.DeviceId, identity.DeviceId);
            headers.Add(SessionMetadataHeaders.ClientId, identity.ClientId);
            headers.Add(SessionMetadataHeaders.SessionId, identity.SessionId);
            headers.Add(SessionMetadataHeaders.ProtocolVersion, "1");
        }

        foreach (var entry in extraHeaders ?? [])
        {
            headers.Add(entry);
        }

        return new DeviceStream(Client.ChatStream(headers), identity);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
        try
        {
            _contentRoot.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
