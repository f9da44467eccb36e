namespace Xiaozhi.Im.Service.Upstream;

/// <summary>The AI service tunnel (section <c>Ai</c>).</summary>
internal sealed class AiOptions
{
    public const string SectionName = "Ai";

    /// <summary>The endpoint used when <see cref="Endpoints"/> is not configured (the Go service's default).</summary>
    public const string DefaultEndpoint = "http://localhost:50051";

    /// <summary>
    /// AI service URLs (<c>http://</c> = h2c, <c>https://</c> = TLS) and <c>dns:///host:port</c> names (every A/AAAA
    /// address an h2c endpoint, re-resolved every <see cref="DnsRefreshInterval"/>; e.g. a Kubernetes headless service),
    /// mixed freely, <c>Ai:Endpoints:0..n</c>. Not configured means <see cref="DefaultEndpoint"/>. Setting any entry
    /// replaces the default.
    /// </summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>How often the <c>dns:///</c> entries are looked up again. Default 30 s.</summary>
    public TimeSpan DnsRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The least time between two lookups: after a failed connection they come sooner than
    /// <see cref="DnsRefreshInterval"/>, but not more often than this. Default 5 s.
    /// </summary>
    public TimeSpan DnsMinRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Largest gRPC message either way, and the limit a device frame must fit as a ChatRequest. Default 16 MiB
    /// (the stub's default). An unmodified Go AI service accepts 4 MiB: set 4194304 against it.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long a new device may wait for a connectable endpoint before it gets 503. Default 3 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>HTTP/2 keepalive ping delay; at least 10 s (the Go server answers pings under 5 s with GOAWAY). Default 30 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for a keepalive ping's answer before dropping the connection. Default 10 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each endpoint's <c>HealthCheck</c> is called (the application-level heartbeat). Default 15 s.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The deadline of one <c>HealthCheck</c> call; no answer in time = unreachable. Default 3 s.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The channel's first reconnect backoff after a lost connection (gRPC's own default is 1 s). Default 100 ms.</summary>
    public TimeSpan ReconnectInitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The channel's largest reconnect backoff (gRPC's own default is 120 s). Default 5 s.</summary>
    public TimeSpan ReconnectMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// ChatStreams per HTTP/2 connection before the endpoint opens another connection: all streams of a connection share
    /// the client's single connection writer, one flow-control window and the server's reader, and a GOAWAY moves only
    /// the sessions of its connection. Default 256: streams on one connection share its socket writes and reads (one
    /// send carries frames of several streams), which costs less CPU than spreading them thinly — at 200 devices × 50
    /// frames/s, 256 (one connection) against 32 (seven): IM 80–85 % of a CPU instead of 89–91 %, the stub 35 % instead of
    /// 39 %, uplink hop p99 4.5–8 ms instead of 14–29 ms (<c>./build.sh bench</c>).
    /// </summary>
    public int StreamsPerConnection { get; set; } = 256;

    /// <summary>Most HTTP/2 connections per endpoint; past it new streams share the least-loaded connection. Default 64.</summary>
    public int MaxConnectionsPerEndpoint { get; set; } = 64;

    /// <summary>Session resume after a lost ChatStream (section <c>Ai:Resume</c>).</summary>
    public ResumeOptions Resume { get; set; } = new();

    /// <summary>Moves off an endpoint being left and off a GOAWAY connection (section <c>Ai:Moves</c>).</summary>
    public MovesOptions Moves { get; set; } = new();
    /// <summary>Endpoint choice and outlier ejection (section <c>Ai:Balancing</c>).</summary>
    public AiBalancingOptions Balancing { get; set; } = new();

    /// <summary>TLS to <c>https://</c> endpoints: a private CA and an optional client certificate (mTLS).</summary>
    public AiTlsOptions Tls { get; set; } = new();

    public IReadOnlyList<string> EffectiveEndpoints => Endpoints.Count == 0 ? [DefaultEndpoint] : Endpoints;
}
