namespace Xiaozhi.AiService.Stub.Hosting;

/// <summary>What a listening endpoint serves.</summary>
internal enum StubEndpointKind
{
    /// <summary>gRPC: HTTP/2 only (h2c needs prior knowledge), TLS optional.</summary>
    Grpc,

    /// <summary>The OTA stand-in and the fault control API: HTTP/1.1.</summary>
    Ota,
}
