using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One pooled HTTP/2 connection to an AI endpoint: its own <see cref="GrpcChannel"/> over its own
/// <see cref="SocketsHttpHandler"/> (keepalive pings while streams are active, the configured reconnect backoff, no
/// retry/hedging service config — a ChatStream must never be replayed by gRPC). An <see cref="AiEndpoint"/> spreads
/// its sessions' streams over several of these (<see cref="AiOptions.StreamsPerConnection"/>): the streams of one
/// connection share its writer, so one socket write carries frames of several streams (cheaper than thin connections),
/// and a GOAWAY or a lost connection touches only its own streams. The plaintext stream is watched
/// (<see cref="Http2GoAwayWatchStream"/>): the first GOAWAY of a connection bumps <see cref="GoAwayGeneration"/> and
/// raises <see cref="GoingAway"/>, so only the sessions on this connection move. A connection the service ends without
/// a GOAWAY first (a crashed or killed backend) marks the endpoint unreachable at once: new streams go to the other
/// endpoints without waiting for the next health check, which brings it back when it answers SERVING.
/// </summary>
internal sealed partial class AiConnection : IDisposable
{
    private readonly ILogger _logger;
    private readonly Lock _connectGate = new();
    private readonly TimeSpan _greetTimeout;
    private Task? _connecting;
    private int _openConnections;
    private int _activeStreams;
    private long _goAwayGeneration;
    private long _lossGeneration;

    /// <summary>Creates the connection's channel; nothing connects until it is used.</summary>
    internal AiConnection(AiEndpoint endpoint, int index, AiOptions options, ILoggerFactory loggerFactory)
    {
        Endpoint = endpoint;
        Index = index;
        _logger = loggerFactory.CreateLogger<AiConnection>();
        _greetTimeout = options.HealthCheckTimeout;
        var handler = new SocketsHttpHandler
        {
            // A server that allows fewer streams than Ai:StreamsPerConnection still gets every stream.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            PlaintextStreamFilter = (context, _) => ValueTask.FromResult<Stream>(
                context.NegotiatedHttpVersion.Major == 2
                    ? OnConnectionOpened(Watch(context.PlaintextStream))
                    : context.PlaintextStream),
        };
        if (endpoint.Address.Scheme == Uri.UriSchemeHttps)
        {
            AiTlsSettings.Apply(handler, options.Tls);
        }

        Channel = GrpcChannel.ForAddress(endpoint.Address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
            ServiceConfig = null,
            InitialReconnectBackoff = options.ReconnectInitialBackoff,
            MaxReconnectBackoff = options.ReconnectMaxBackoff,
            LoggerFactory = new GrpcClientLoggerFactory(loggerFactory),
        });
        Client = new AIService.AIServiceClient(Channel);
    }

    /// <summary>Raised (on the connection's reader: handlers must be quick) when this connection received its first GOAWAY.</summary>
    public event Action<AiConnection>? GoingAway;

    /// <summary>The endpoint this connection belongs to.</summary>
    public AiEndpoint Endpoint { get; }

    /// <summary>0 for the endpoint's first connection (the one its health checks use), then 1, 2, …</summary>
    public int Index { get; }

    /// <summary>The connection's channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The generated client over <see cref="Channel"/>.</summary>
    public AIService.AIServiceClient Client { get; }

    /// <summary>The channel's connectivity.</summary>
    public ConnectivityState State => Channel.State;

    /// <summary>ChatStreams open (or reserved) on this connection.</summary>
    public int ActiveStreams => Volatile.Read(ref _activeStreams);

    /// <summary>TCP connections open under this channel now (1 normally; more only when the server limits streams).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>
    /// How many times the service ended this connection under open streams (each reported once, as warning 3012, before
    /// the streams fail); a stream opened at an older generation was lost with it.
    /// </summary>
    public long LossGeneration => Interlocked.Read(ref _lossGeneration);

    /// <summary>How many GOAWAYs this connection saw; a stream opened at an older generation may be on a closing connection.</summary>
    public long GoAwayGeneration => Interlocked.Read(ref _goAwayGeneration);

    /// <summary>
    /// Completes when the channel is connected (ready) and its HTTP/2 connection is up, or throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>. Every caller waits on one connect attempt of this
    /// connection: after a backend restart a thousand resuming sessions wait on one task instead of each joining the
    /// channel's own list of connectivity watchers, which wakes every watcher at every state change while the channel
    /// retries.
    /// </summary>
    public Task WhenReadyAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // While the greeting of a fresh connection is in flight the channel already reads Ready: wait for it too.
        var inFlight = Volatile.Read(ref _connecting);
        if (State == ConnectivityState.Ready && inFlight is null or { IsCompleted: true })
        {
            return Task.CompletedTask;
        }

        Task connecting;
        lock (_connectGate)
        {
            if (_connecting is not { IsCompleted: false })
            {
                if (State == ConnectivityState.Ready)
                {
                    return Task.CompletedTask;
                }

                // No token: the attempt outlives any one caller (each stops waiting at its own timeout), and keeps the
                // channel reconnecting (within Ai:ReconnectMaxBackoff) while anyone may come back for it.
                _connecting = ConnectAndGreetAsync(timeProvider);
                _connecting.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            connecting = _connecting;
        }

        return connecting.WaitAsync(timeout, timeProvider, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();

    /// <summary>
    /// Connects the channel, then greets the service with one unary <c>HealthCheck</c>. The channel is ready once its
    /// socket is connected; the HTTP/2 connection on it, with the server's SETTINGS and so its stream limit, comes with
    /// the first call. Until those arrive the client assumes 100 streams per connection, so the sessions of a backend
    /// restart, resuming at once, made the handler open a second and third connection for the rest (4 connections
    /// became 8–11 after a 1,000-session restart). Any answer will do, even an error status; no answer within
    /// <see cref="AiOptions.HealthCheckTimeout"/> leaves it to the streams.
    /// </summary>
    private async Task ConnectAndGreetAsync(TimeProvider timeProvider)
    {
        await Channel.ConnectAsync(CancellationToken.None).ConfigureAwait(false);
        using var deadline = new CancellationTokenSource(_greetTimeout, timeProvider);
        using var greeting = Client.HealthCheckAsync(new HealthCheckRequest(), cancellationToken: deadline.Token);
        await ((Task)greeting.ResponseAsync).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    internal void StreamOpened() => Interlocked.Increment(ref _activeStreams);

    internal void StreamClosed() => Interlocked.Decrement(ref _activeStreams);

    /// <summary>Reports a GOAWAY as if the connection had received one (used by the watch stream and by tests).</summary>
    internal void OnConnectionGoingAway()
    {
        Interlocked.Increment(ref _goAwayGeneration);
        Endpoint.OnConnectionGoingAway(this);
        GoingAway?.Invoke(this);
    }

    private Stream OnConnectionOpened(Stream connection)
    {
        Interlocked.Increment(ref _openConnections);
        return connection;
    }

    /// <summary>
    /// Reports a connection the server side ended (used by the watch stream and by tests). Without a GOAWAY before it
    /// (<paramref name="afterGoAway"/> false) the service did not close it on purpose: it crashed, was killed or reset,
    /// and a new stream there would fail or wait, so the endpoint is marked unreachable for new streams now.
    /// </summary>
    internal void OnConnectionLost(bool afterGoAway = false)
    {
        Interlocked.Increment(ref _lossGeneration);
        Endpoint.OnConnectionLost(this);
        if (!afterGoAway && Endpoint.SetHealth(AiEndpointHealth.Unreachable) is not AiEndpointHealth.Unreachable)
        {
            LogMarkedUnreachable(_logger, Endpoint.Address, Index);
        }
    }

    /// <summary>Watches one HTTP/2 connection of this channel: its GOAWAY, its close, and its loss (after a GOAWAY or not).</summary>
    private Http2GoAwayWatchStream Watch(Stream plaintext)
    {
        // Per HTTP/2 connection: a loss after this connection's own GOAWAY is the service recycling it, not a crash.
        var goingAway = false;
        return new Http2GoAwayWatchStream(
            plaintext,
            () =>
            {
                goingAway = true;
                OnConnectionGoingAway();
            },
            OnConnectionClosed,
            () => OnConnectionLost(Volatile.Read(ref goingAway)));
    }

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint}: connection {Connection} ended without a GOAWAY (the service crashed or reset it); new sessions avoid the endpoint until its health check answers SERVING")]
    private static partial void LogMarkedUnreachable(ILogger logger, Uri endpoint, int connection);

    private void OnConnectionClosed() => Interlocked.Decrement(ref _openConnections);
}
