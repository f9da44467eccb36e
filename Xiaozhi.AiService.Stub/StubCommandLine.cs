namespace Xiaozhi.AiService.Stub;

/// <summary>
/// The stub's <c>--help</c>: every setting with its default, one per line. The defaults are the options classes'; a
/// test (SettingsDocumentationTests) fails when a line is missing or its default differs.
/// </summary>
internal static class StubCommandLine
{
    public static bool WantsHelp(IEnumerable<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "/?");

    public const string HelpText = """
        Xiaozhi.AiService.Stub - a stand-in for the Go xiaozhi AI service (gRPC ai_service.AIService) for tests and demos.
        Every setting: docs/configuration.md.

        Usage: Xiaozhi.AiService.Stub [--setting value]...   (settings also come from appsettings.json and the
               environment: use __ for ':' in variable names, e.g. Stub__Mode=echo, Auth__JwtSecret=...)

        Listening
          --urls <url;url>                     gRPC endpoint(s), h2c by default, https for TLS (Kestrel certificate
                                               settings). Also ASPNETCORE_URLS. Default http://localhost:50051
          --Ota:Urls <url;url>                 OTA stand-in + /stub/faults API, HTTP/1.1. Default http://localhost:8003
          --Ota:AllowNonLoopback true|false    let Ota:Urls listen beyond loopback (warns: tokens for any Device-Id). Default false
          --Ota:WebSocketUrl <ws-url>          URL the OTA answer hands out. Default ws://localhost:8000/xiaozhi/v1/
          --Ota:CorsOrigins <origin;origin>    Browser origins allowed to call the OTA (CORS). Default * (any)
          --Ota:UserId <n>                     user_id claim of issued tokens. Default 1
          --Ota:TokenLifetimeDays <n>          lifetime of issued tokens. Default 7
          --Ota:DefaultFirmwareVersion <v>     answered when the request has no application.version. Default 1.0.0
          --Auth:JwtSecret <secret>            HS256 secret (same setting as the IM service; env Auth__JwtSecret).
                                               Unset: POST /xiaozhi/ota/ answers 503.

        Behaviour (Stub:)
          --Stub:Mode assistant|echo           echo: every binary frame straight back, no turns. Default assistant
          --Stub:PacingEnabled true|false      pace downlink audio (3 frames at once, then one per 60 ms). Default true
          --Stub:PacingBurstFrames <n>         frames sent at once before pacing starts. Default 3
          --Stub:VadSilenceMs <ms>             silence that ends an auto/realtime utterance. Default 600
          --Stub:SyntheticFrames <n>           audio frames in chat/vision/image/MCP turns. Default 5
          --Stub:McpInitializeOnConnect <b>    send MCP initialize when the stream opens (Go habit). Default false
          --Stub:McpTimeoutMs <ms>             wait for the device's MCP answers. Default 10000
          --Stub:MaxMessageBytes <n>           gRPC max message size each way. Default 16777216
          --Stub:MaxImageBytes <n>             largest decoded image. Default 10485760
          --Stub:MaxStreamsPerConnection <n>   HTTP/2 streams per connection. Default 1000
          --Stub:MaxUtteranceFrames <n>        frames of one utterance, then 999 utterance_too_long. Default 5000
          --Stub:MaxPendingTurns <n>           turns waiting behind the one playing, then 999 too_many_turns. Default 16
          --Stub:MaxRecordedSessions <n>       sessions kept for tests to inspect. Default 1000
          --Stub:MaxRecordedRequestsPerSession <n>  newest requests kept per session (0: none). Default 1000

        Faults (Stub:Faults:, also at run time: POST /stub/faults/... on the OTA port)
          --Stub:Faults:ResponseDelayMs <ms>             delay before every response. Default 0
          --Stub:Faults:RefuseNewStreams true|false      ChatStream fails with Unavailable. Default false
          --Stub:Faults:FailStreamAfterMessages <n>      fail a stream (Internal) at its Nth message. Default off
          --Stub:Faults:MaxConnectionAgeSeconds <s>      graceful GOAWAY after s seconds (Go MaxConnectionAge). Default off
          --Stub:Faults:MaxConnectionAgeGraceSeconds <s> then abort the connection after s more seconds. Default 5
          --Stub:Faults:MaxConcurrentTurns <n>           turns played at once, more wait (0 = no limit). Default 0
          --Stub:Faults:FailEveryNthTurn <n>             answer every Nth turn with 999. Default off
          --Stub:Faults:Draining true|false              HealthCheck answers NOT_SERVING. Default false

        Client certificates (Stub:Tls:, to exercise the IM's mTLS)
          --Stub:Tls:RequireClientCertificate true|false  https gRPC endpoints demand a client certificate. Default false
          --Stub:Tls:ClientCertificateAuthorityPath <pem> the CA client certificates must chain to. Default off (any)

        Configuration
          --GoServiceConfig:Path <config.yaml> read server.token, transport.grpc.ip/port, web.websocket and
                                               log.log_level from the Go AI service's config (explicit settings win)
          --help                               this text
        """;
}
