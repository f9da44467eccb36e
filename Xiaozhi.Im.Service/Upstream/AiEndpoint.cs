using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// One AI service endpoint: a small pool of <see cref="AiConnection"/>s (HTTP/2 connections, each its own channel),
/// opened as sessions need them — a new stream goes to the connection with the fewest streams, and a new connection is
/// opened when all carry <see cref="AiOptions.StreamsPerConnection"/> (up to <see cref="AiOptions.MaxConnectionsPerEndpoint"/>;
/// past it streams share the least-loaded). Connection 0 also carries the endpoint's health checks and decides whether
/// the endpoint is connectable. Tracks the endpoint's health (from <see cref="AiEndpointHealthMonitor"/>), its open
/// streams and connections, and counts GOAWAYs.
/// </summary>
internal sealed partial class AiEndpoint : IDisposable
{
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly AiOptions _options;
    private readonly Lock _gate = new();
    private AiConnection[] _connections;
    private long _goAwayGeneration;
    private long _streamsCut;
    private readonly AiOutlierEjector? _ejector;
    private int _health;

    /// <summary>
    /// Creates the endpoint; no connection is made until a session needs one. <paramref name="ejector"/> (the pool's)
    /// judges its failures (null: nothing judges them); <paramref name="weight"/> is its <c>Ai:Balancing:Weights</c>
    /// entry; <paramref name="departure"/> makes its <see cref="Departure"/> (the pool's clock and metric).
    /// </summary>
    public AiEndpoint(Uri address, AiOptions options, ILoggerFactory loggerFactory, TimeProvider time, AiOutlierEjector? ejector, double weight, Func<Uri, ILogger, EndpointDeparture> departure)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(departure);
        Address = address;
        Balance = new AiEndpointBalance(time, options.Balancing.DecayTime, options.Balancing.FailurePenalty);
        Weight = weight;
        _ejector = ejector;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<AiEndpoint>();
        _connections = [new AiConnection(this, 0, options, loggerFactory)];
        Departure = departure(address, _logger);
    }

    /// <summary>The endpoint's URL.</summary>
    public Uri Address { get; }

    /// <summary>Raised when the endpoint was ejected (<see cref="AiOutlierEjector"/>): its sessions may want to move.</summary>
    public event EventHandler<AiEndpointEjectedEventArgs>? Ejected;

    /// <summary>Turns in progress, latency estimate, failures in a row, ejection.</summary>
    public AiEndpointBalance Balance { get; }

    /// <summary>The static weight (<c>Ai:Balancing:Weights</c>): 2 looks half as costly as 1.</summary>
    public double Weight { get; }

    /// <summary>True while ejected for failing: no new sessions (unless every endpoint is unusable).</summary>
    public bool IsEjected => Balance.IsEjected;

    /// <summary>The first connection's channel: health checks, and whether the endpoint is connectable.</summary>
    public GrpcChannel Channel => _connections[0].Channel;

    /// <summary>The generated client over <see cref="Channel"/>.</summary>
    public AIService.AIServiceClient Client => _connections[0].Client;

    /// <summary>The connections opened so far (the first always exists).</summary>
    public IReadOnlyList<AiConnection> Connections => Volatile.Read(ref _connections);

    /// <summary>ChatStreams currently open on this endpoint (over all its connections).</summary>
    public int ActiveStreams => Connections.Sum(c => c.ActiveStreams);

    /// <summary>HTTP/2 (TCP) connections open to this endpoint now.</summary>
    public int OpenConnections => Connections.Sum(c => c.OpenConnections);

    /// <summary>ChatStreams still open when the AI service ended their connection (warning 3012), since start.</summary>
    public long StreamsCutByClose => Interlocked.Read(ref _streamsCut);

    /// <summary>How many connection GOAWAYs this endpoint saw.</summary>
    public long GoAwayGeneration => Interlocked.Read(ref _goAwayGeneration);

    /// <summary>The last health check's verdict.</summary>
    public AiEndpointHealth Health => (AiEndpointHealth)Volatile.Read(ref _health);

    /// <summary>True when new sessions may go here (serving, or not checked yet, and not being left).</summary>
    public bool IsHealthy => (Health is AiEndpointHealth.Serving or AiEndpointHealth.Unknown) && !Departure.IsActive;

    /// <summary>
    /// Records a health verdict; returns the previous one. SERVING after a health check that failed starts the failures in
    /// a row again and ends an ejection: the endpoint was down and is back (a restarted AI service). A SERVING that
    /// follows SERVING changes neither: an endpoint that answers its health checks while its turns fail is the partial
    /// failure ejection is for, and a check between two failed turns must not hide it.
    /// </summary>
    public AiEndpointHealth SetHealth(AiEndpointHealth health)
    {
        var previous = (AiEndpointHealth)Interlocked.Exchange(ref _health, (int)health);
        if (health == AiEndpointHealth.Serving && previous is (AiEndpointHealth.NotServing or AiEndpointHealth.Unreachable))
        {
            Balance.Succeeded();
            _ejector?.Return(this);
        }

        return previous;
    }

    /// <summary>
    /// A stream that did not open or failed, or a turn answered with 999: counted toward ejection, in a row too unless
    /// <paramref name="inARow"/> is false.
    /// </summary>
    public void NoteFailure(bool inARow = true)
    {
        if (_ejector is null)
        {
            Balance.Failed(inARow);
        }
        else
        {
            _ejector.Failed(this, inARow);
        }
    }

    /// <summary>A turn answered: the failures in a row start again.</summary>
    public void NoteSuccess() => Balance.Succeeded();

    /// <summary>Raises <see cref="Ejected"/> (the ejector, after it ejected this endpoint).</summary>
    internal void OnEjected(AiEndpointEjectedEventArgs ejected) => Ejected?.Invoke(this, ejected);

    /// <summary>
    /// Picks the connection for a new stream and counts the stream on it (the caller hands it to an
    /// <see cref="AiChatStream"/>, whose disposal releases it, or calls <see cref="AiConnection.StreamClosed"/>): the connection with
    /// the fewest streams among those not failing, a new one when all are full and the limit allows.
    /// </summary>
    public AiConnection ReserveConnection()
    {
        lock (_gate)
        {
            var connections = _connections;
            AiConnection? best = null;
            foreach (var connection in connections)
            {
                if (connection.State == ConnectivityState.TransientFailure && best is not null)
                {
                    continue;
                }

                if (best is null || best.State == ConnectivityState.TransientFailure || connection.ActiveStreams < best.ActiveStreams)
                {
                    best = connection;
                }
            }

            if (best!.ActiveStreams >= _options.StreamsPerConnection && connections.Length < _options.MaxConnectionsPerEndpoint)
            {
                best = new AiConnection(this, connections.Length, _options, _loggerFactory);
                Volatile.Write(ref _connections, [.. connections, best]);
                LogConnectionAdded(_logger, Address, connections.Length + 1, _options.StreamsPerConnection);
            }

            best.StreamOpened();
            return best;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var connection in Connections)
        {
            connection.Dispose();
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint}: connection {Connection} received GOAWAY (generation {Generation}, {ActiveStreams} streams open on it); its sessions move to a fresh connection")]
    private static partial void LogGoAway(ILogger logger, Uri endpoint, int connection, long generation, int activeStreams);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "AI service endpoint {Endpoint}: opening connection {Count} (every connection carries {StreamsPerConnection} streams)")]
    private static partial void LogConnectionAdded(ILogger logger, Uri endpoint, int count, int streamsPerConnection);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "AI service endpoint {Endpoint}: the service ended connection {Connection} with {ActiveStreams} streams open over its {HttpConnections} HTTP/2 connection(s), one of which is lost; their sessions resume (each logs at Debug)")]
    private static partial void LogConnectionLost(ILogger logger, Uri endpoint, int connection, int activeStreams, int httpConnections);

    /// <summary>
    /// Logs a connection the AI service ended under open streams (called by the connection, before its streams fail):
    /// one warning per connection for a service that went away, instead of one per session (a backend restart under
    /// 10,000 sessions would otherwise write 10,000 warnings in a second).
    /// </summary>
    internal void OnConnectionLost(AiConnection connection)
    {
        if (connection.ActiveStreams > 0)
        {
            Interlocked.Add(ref _streamsCut, connection.ActiveStreams);
            // A server that allows fewer streams than Ai:StreamsPerConnection splits a pooled connection over several HTTP/2
            // connections, each reported when lost: the count says the streams are the pooled connection's, not this one's.
            LogConnectionLost(_logger, Address, connection.Index, connection.ActiveStreams, connection.OpenConnections);

            // One failure toward ejection for the lost connection; its streams do not count each (DownlinkPump).
            NoteFailure();
        }
    }

    /// <summary>Counts and logs a connection's first GOAWAY (called by the connection).</summary>
    internal void OnConnectionGoingAway(AiConnection connection)
    {
        var generation = Interlocked.Increment(ref _goAwayGeneration);
        LogGoAway(_logger, Address, connection.Index, generation, connection.ActiveStreams);
    }
}
