namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>Extra command-line settings for one in-process stub + IM pair.</summary>
public sealed class GatewayOptions
{
    /// <summary>The shared JWT secret (the Go sample's 3-byte secret by default: short secrets must work).</summary>
    public string JwtSecret { get; init; } = "abc";

    /// <summary>Extra stub arguments, e.g. <c>--Stub:PacingEnabled true</c>.</summary>
    public IReadOnlyList<string> StubArgs { get; init; } = [];

    /// <summary>Extra IM arguments, e.g. <c>--Ai:MaxMessageBytes 4096</c>.</summary>
    public IReadOnlyList<string> ImArgs { get; init; } = [];

    /// <summary>How many stubs to start; the IM gets them all as <c>Ai:Endpoints</c>.</summary>
    public int StubCount { get; init; } = 1;

    /// <summary>Point the IM at this endpoint instead of the stub (e.g. a closed port).</summary>
    public Uri? AiEndpointOverride { get; init; }

    /// <summary>Receives what the IM logs (at the level its configuration lets through: Warning by default).</summary>
    public RecordingLoggerProvider? ImLog { get; init; }

    /// <summary>Runs on the IM's builder after its own registrations (e.g. to replace a service).</summary>
    public Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? ConfigureIm { get; init; }
}
