using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One AI service endpoint: a single shared <see cref="GrpcChannel"/> over a <see cref="SocketsHttpHandler"/> with
/// several HTTP/2 connections allowed, keepalive pings while streams are active, and no retry/hedging service config
/// (a ChatStream must never be replayed). All sessions multiplex their streams over it.
/// </summary>
public sealed class AiEndpoint : IDisposable
{
    /// <summary>Creates the endpoint; no connection is made until a session needs one.</summary>
    public AiEndpoint(Uri address, AiOptions options, ILoggerFactory loggerFactory)
    {
        Address = address;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
            ServiceConfig = null,
            LoggerFactory = loggerFactory,
        });
        Client = new AIService.AIServiceClient(Channel);
    }

    /// <summary>The endpoint's URL.</summary>
    public Uri Address { get; }

    /// <summary>The shared channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The generated client over <see cref="Channel"/>.</summary>
    public AIService.AIServiceClient Client { get; }

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();
}
