namespace Xiaozhi.Im.Service;

/// <summary>
/// The <c>--help</c> text: every setting with its default, one per line. The defaults are the options classes'; a test
/// (SettingsDocumentationTests) fails when a line is missing or its default differs.
/// </summary>
internal static class CommandLineHelp
{
    public static bool IsRequested(IEnumerable<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "/?");

    public const string Text = """
        Xiaozhi IM gateway: devices connect with a WebSocket, each session is tunnelled as one gRPC ChatStream
        to the AI service. Every setting: docs/configuration.md.

        Usage: Xiaozhi.Im.Service [--Key value]...   (or environment variables, ':' written as '__';
               durations are hh:mm:ss[.fraction]; lists are --Key:0 a --Key:1 b ...)

        Device side
          --urls <urls>                           listen address(es) (env ASPNETCORE_URLS)   default http://0.0.0.0:8000
          --WebSocket:Paths:0 <path> ...          upgrade paths (trailing / ignored, * = any)   default /  /ws  /xiaozhi/v1/
          --WebSocket:MaxTextFrameBytes           largest device text message, larger → 1009   default 16777216 (16 MiB)
          --WebSocket:MaxBinaryFrameBytes         largest device binary message, larger → 1009   default 262144 (256 KiB)
          --WebSocket:MaxControlFrameBytes        largest text message other than chat/image/vision, larger → 1009   default 65536 (64 KiB)
          --WebSocket:KeepAliveInterval           WebSocket ping interval (0 = off)   default 00:00:30
          --WebSocket:AllowQueryIdentity          identity/token from the query (browsers)   default true
          --Sessions:DuplicateDevicePolicy        Replace | Reject (409) a second connection of a device   default Replace

        Authentication (HMAC JWT: device_id must equal Device-Id, numeric user_id, exp checked when present)
          --Auth:Enabled                          true | false (false: development only)   default true
          --Auth:JwtSecret                        the AI service's server.token; required when enabled
          --Auth:ClockSkew                        tolerance for exp/nbf   default 00:00:30
          --Auth:RequireExpiration                true | false (true: a token without exp is refused)   default false
          --Auth:Issuer                           when set, the token's iss must equal it   default off
          --Auth:Audience                         when set, the token's aud must equal it   default off

        AI service (gRPC ai_service.AIService)
          --Ai:Endpoints:0 <url> ...              http:// (h2c), https:// or dns:///host:port   default http://localhost:50051
          --Ai:MaxMessageBytes                    largest gRPC message (4194304 for an unmodified Go AI service)   default 16777216
          --Ai:ConnectTimeout                     no endpoint connectable → 503   default 00:00:03
          --Ai:KeepAlivePingDelay                 HTTP/2 keepalive (>= 10 s)   default 00:00:30
          --Ai:KeepAlivePingTimeout               no ping answer → connection dropped   default 00:00:10
          --Ai:HealthCheckInterval                HealthCheck per endpoint (heartbeat)   default 00:00:15
          --Ai:HealthCheckTimeout                 no answer → endpoint unreachable   default 00:00:03
          --Ai:ReconnectInitialBackoff            channel reconnect, first backoff   default 00:00:00.1
          --Ai:ReconnectMaxBackoff                channel reconnect, largest backoff   default 00:00:05
          --Ai:StreamsPerConnection               ChatStreams per HTTP/2 connection, then another   default 256
          --Ai:MaxConnectionsPerEndpoint          HTTP/2 connections per endpoint at most   default 64
          --Ai:DnsRefreshInterval                 re-resolve dns:/// entries   default 00:00:30
          --Ai:DnsMinRefreshInterval              least time between lookups of a name   default 00:00:05
          --Ai:Tls:CaCertificatePath              PEM/DER of a private CA for https:// endpoints   default off
          --Ai:Tls:ClientCertificatePath          mTLS client certificate (.pfx, or PEM with ClientKeyPath)   default off
          --Ai:Tls:ClientCertificatePassword      password of the .pfx (or of an encrypted PEM key)
          --Ai:Tls:ClientKeyPath                  PEM private key of a PEM client certificate   default off

        Session resume (a lost ChatStream is reopened; the device keeps its WebSocket)
          --Ai:Resume:InitialBackoff              first backoff (with jitter)   default 00:00:00.1
          --Ai:Resume:MaxBackoff                  largest backoff   default 00:00:05
          --Ai:Resume:Timeout                     no new stream by then → alert + 1011   default 00:00:10
          --Ai:Resume:MaxHeldFrames               device frames held meanwhile, past it → alert + 1011   default 256
          --Ai:Resume:MaxHeldBytes                payload bytes held meanwhile (1 MiB), past it → alert + 1011   default 1048576
          --Ai:Resume:MaxReplayFrames             frames of an unanswered utterance kept to replay, past it → listen start only   default 256
          --Ai:Resume:MaxReplayBytes              bytes kept to replay (1 MiB; also the largest chat/image kept)   default 1048576
          --Ai:Resume:MaxBufferAge                oldest kept frame   default 00:00:10

        Session moves (off an endpoint being left, off a GOAWAY connection)
          --Ai:Moves:SpreadWindow                 an endpoint's sessions move at random moments within it   default 00:00:10
          --Ai:Moves:GoAwayBusyLimit              a session still in a turn after GOAWAY moves anyway after it   default 00:00:03
        Endpoint choice and outlier ejection (docs/architecture.md)
          --Ai:Balancing:Policy                   PeakEwma (latency × load, two random choices) | LeastSessions   default PeakEwma
          --Ai:Balancing:DecayTime                latency estimate's time constant; idle endpoints relax toward peers   default 00:00:10
          --Ai:Balancing:FailurePenalty           a failure counts as an answer this slow in the estimate; 0 = off   default 00:00:05
          --Ai:Balancing:Weights:0 <w> ...        static weight per Ai:Endpoints entry, same order (2 = half the cost)   default off
          --Ai:Balancing:EjectAfterFailures       failures in a row (stream not opening/failing, 999) that eject; 0 = never   default 5
          --Ai:Balancing:EjectFailurePercent      share of outcomes in the window, failed, that ejects; 0 = off   default 30
          --Ai:Balancing:EjectLatencyFactor       mean time to first answer × peers' median that ejects; 0 = off   default 5
          --Ai:Balancing:OutlierWindow            the recent past the failure-rate and latency rules judge   default 00:00:10
          --Ai:Balancing:MinTurnsToJudge          outcomes before those rules judge (fewer in the window: the last ones)   default 20
          --Ai:Balancing:EjectionTime             first ejection; the nth in a row lasts n times as long   default 00:00:30
          --Ai:Balancing:MaxEjectionTime          longest ejection   default 00:05:00
          --Ai:Balancing:MaxEjectionPercent       most endpoints ejected at once, percent rounded down   default 50

        Limits
          --Limits:CloseTimeout                   wait for a device's close answer   default 00:00:02
          --Limits:UpstreamDrainTimeout           wait for the AI stream to end after a device left   default 00:00:02
          --Limits:InitialReceiveBufferBytes      pooled receive buffer, grows as needed; held only while reading   default 16384
          --Limits:MaxKeptBytesPerSession         hello + listen start + unanswered turn kept for a replay   default 1572864
          --Limits:NodeBufferedBytes              all sessions' resume buffers and kept requests (0 = 1/4 of memory)   default 0
          --Limits:DeviceSendTimeout              device stopped reading → cut off (1008)   default 00:00:10
          --Limits:DrainTimeout                   on stop: 503 to new devices, turns may finish, then 1001   default 00:00:30

        Admission control
          --Admission:MaxConcurrentSessions       sessions at once, then 503   default 10000
          --Admission:PerIpConnectionsPerSecond   new connections per IP and second, then 429   default 20
          --Admission:PerIpConnectionBurst        new connections per IP at once   default 200
          --Admission:PerIpConcurrentConnections  open connections per IP (IPv6 per /64), then 429   default 1000
          --Admission:HandshakeTimeout            upgrade request headers (Kestrel 408)   default 00:00:10
          --Admission:HelloTimeout                no hello → close 1008   default 00:00:30
          --Admission:IdleTimeout                 no frame either way → close 1000   default 00:03:00
          --Admission:MessagesPerSecond           sustained messages per session, flood → alert + 1008   default 100
          --Admission:MessageBurst                messages at once before the rate applies   default 200
          --Admission:AllowedOrigins:0 <origin> ...  browser Origin allow-list (403)   default off

        Cluster (several nodes on one Redis; docs/cluster.md)
          --Cluster:Redis                         StackExchange.Redis configuration string   default off (single node)
          --Cluster:NodeId                        stable node id   default off (host name:device port)
          --Cluster:KeyPrefix                     prefix of every key and channel   default xiaozhi:im:
          --Cluster:ClaimTimeout                  longest an upgrade waits on Redis   default 00:00:00.25
          --Cluster:RefreshInterval               re-assert device keys (they live 3x this)   default 00:00:30
          --Cluster:HeartbeatInterval             refresh the node key (it lives 3x this)   default 00:00:05

        Behind a load balancer (X-Forwarded-For believed only from these)
          --ForwardedHeaders:KnownProxies:0 <ip> ...      proxy addresses   default off
          --ForwardedHeaders:KnownNetworks:0 <cidr> ...   proxy networks   default off

        Operations
          --Management:Enabled                    /healthz /readyz /metrics on their own port   default true
          --Management:Urls                       the management port's address(es)   default http://127.0.0.1:9090
          --Telemetry:ServiceName                 OpenTelemetry service.name   default xiaozhi-im
          --Telemetry:Prometheus                  /metrics on the management port   default true
          --Telemetry:OtlpEndpoint <url>          OTLP export of metrics and traces   default off
          --Telemetry:OtlpProtocol                grpc | http/protobuf   default grpc
          --Telemetry:HashDeviceIdsInLogs         log a digest instead of the MAC   default false
          --Logging:Console:FormatterName json    JSON console logs
          --Logging:File:Path <file>              also log to this file
          --Kestrel:Certificates:Default:Path / Password   certificate for wss:// (with an https:// --urls)

        Reusing the Go AI service's configuration
          --GoServiceConfig:Path <config.yaml>    read server.token, transport.grpc.ip/port, transport.websocket.browser,
                                                  log.log_level, log.log_dir/log_file from it (explicit settings win)

        Runtime (environment only)
          DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION   pooled buffers per size and CPU
                                                  default 1024, set by the IM when unset (the runtime's 32 runs dry under load)

        Example
          Xiaozhi.Im.Service --urls http://0.0.0.0:8000 --Ai:Endpoints:0 http://localhost:50051 --Auth:JwtSecret <secret>
          Ai__Endpoints__0=http://ai:50051 Auth__JwtSecret=<secret> Xiaozhi.Im.Service
        """;
}
