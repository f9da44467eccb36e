using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One AI service endpoint: a single shared <see cref="GrpcChannel"/> over a <see cref="SocketsHttpHandler"/> with
/// several HTTP/2 connections allowed, keepalive pings while streams are active, the configured reconnect backoff and
/// no retry/hedging service config (a ChatStream must never be replayed by gRPC). All sessions multiplex their streams
/// over it. Tracks its health (from <see cref="AiEndpointHealthMonitor"/>), its open streams, and GOAWAYs: every
/// connection's plaintext stream is watched (<see cref="Http2GoAwayWatchStream"/>) and the first GOAWAY of a
/// connection bumps <see cref="GoAwayGeneration"/> and raises <see cref="ConnectionGoingAway"/>.
/// </summary>
public sealed partial class AiEndpoint : IDisposable
{
    private readonly ILogger _logger;
    private int _openConnections;
    private int _activeStreams;
    private long _goAwayGeneration;
    private int _health;

    /// <summary>Creates the endpoint; no connection is made until a session needs one.</summary>
    public AiEndpoint(Uri address, AiOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Address = address;
        _logger = loggerFactory.CreateLogger<AiEndpoint>();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PlaintextStreamFilter = (context, _) => ValueTask.FromResult<Stream>(
                context.NegotiatedHttpVersion.Major == 2
                    ? OnConnectionOpened(new Http2GoAwayWatchStream(context.PlaintextStream, OnConnectionGoingAway, OnConnectionClosed))
                    : context.PlaintextStream),
        };
        if (address.Scheme == Uri.UriSchemeHttps)
        {
            AiTlsSettings.Apply(handler, options.Tls);
        }

        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
            ServiceConfig = null,
            InitialReconnectBackoff = options.ReconnectInitialBackoff,
            MaxReconnectBackoff = options.ReconnectMaxBackoff,
            LoggerFactory = loggerFactory,
        });
        Client = new AIService.AIServiceClient(Channel);
    }

    /// <summary>Raised (on a connection's reader: handlers must be quick) when a connection of this endpoint received its first GOAWAY.</summary>
    public event Action<AiEndpoint>? ConnectionGoingAway;

    /// <summary>The endpoint's URL.</summary>
    public Uri Address { get; }

    /// <summary>The shared channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The generated client over <see cref="Channel"/>.</summary>
    public AIService.AIServiceClient Client { get; }

    /// <summary>ChatStreams currently open on this endpoint.</summary>
    public int ActiveStreams => Volatile.Read(ref _activeStreams);

    /// <summary>HTTP/2 connections open to this endpoint now.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>How many connection GOAWAYs were seen; a stream opened at an older generation may be on a closing connection.</summary>
    public long GoAwayGeneration => Interlocked.Read(ref _goAwayGeneration);

    /// <summary>The last health check's verdict.</summary>
    public AiEndpointHealth Health => (AiEndpointHealth)Volatile.Read(ref _health);

    /// <summary>True when new sessions may go here (serving, or not checked yet).</summary>
    public bool IsHealthy => Health is AiEndpointHealth.Serving or AiEndpointHealth.Unknown;

    /// <summary>Records a health verdict; returns the previous one.</summary>
    public AiEndpointHealth SetHealth(AiEndpointHealth health) => (AiEndpointHealth)Interlocked.Exchange(ref _health, (int)health);

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();

    internal void StreamOpened() => Interlocked.Increment(ref _activeStreams);

    internal void StreamClosed() => Interlocked.Decrement(ref _activeStreams);

    /// <summary>Reports a GOAWAY as if a connection had received one (used by the watch stream and by tests).</summary>
    internal void OnConnectionGoingAway()
    {
        var generation = Interlocked.Increment(ref _goAwayGeneration);
        LogGoAway(_logger, Address, generation, ActiveStreams);
        ConnectionGoingAway?.Invoke(this);
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint}: a connection received GOAWAY (generation {Generation}, {ActiveStreams} streams open); sessions move to a fresh connection")]
    private static partial void LogGoAway(ILogger logger, Uri endpoint, long generation, int activeStreams);

    private Stream OnConnectionOpened(Stream connection)
    {
        Interlocked.Increment(ref _openConnections);
        return connection;
    }

    private void OnConnectionClosed() => Interlocked.Decrement(ref _openConnections);
}
