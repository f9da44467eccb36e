namespace Xiaozhi.AiService.Stub.Hosting;

/// <summary>
/// Client certificates on the stub's https gRPC endpoints (section <c>Stub:Tls</c>), so the IM's mTLS to the AI service
/// can be exercised. The server certificate itself comes from the standard Kestrel settings
/// (<c>Kestrel:Certificates:Default:Path</c> / <c>Password</c>).
/// </summary>
internal sealed class StubTlsOptions
{
    public const string SectionName = "Stub:Tls";

    /// <summary>Refuse TLS handshakes without a client certificate. Default false.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>PEM or DER file of the CA that must have issued client certificates; empty = any certificate.</summary>
    public string? ClientCertificateAuthorityPath { get; set; }
}
