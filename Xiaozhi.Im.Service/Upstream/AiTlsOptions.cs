namespace Xiaozhi.Im.Service.Upstream;

/// <summary>TLS to <c>https://</c> AI endpoints (section <c>Ai:Tls</c>); <c>http://</c> endpoints are h2c and ignore it.</summary>
internal sealed class AiTlsOptions
{
    /// <summary>PEM or DER file of a private CA that issued the AI service's certificate; empty = the system's trusted roots.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Client certificate for mTLS: a PKCS#12 (.pfx/.p12) file, or a PEM certificate with <see cref="ClientKeyPath"/>.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>Password of the PKCS#12 file (or of an encrypted PEM key).</summary>
    public string? ClientCertificatePassword { get; set; }

    /// <summary>PEM private key for a PEM <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; set; }
}
