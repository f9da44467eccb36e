using System.Security.Cryptography.X509Certificates;
using Xiaozhi.EndToEnd.Tests.Harness;

namespace Xiaozhi.EndToEnd.Tests.LoadBalancer;

/// <summary>
/// A throw-away server certificate for 127.0.0.1 (issued by <see cref="TestCertificates"/>' private CA at test time),
/// written as the single PEM file haproxy's <c>crt</c> wants: the certificate, then its private key.
/// </summary>
internal sealed class BalancerCertificate : IDisposable
{
    private readonly TestCertificates _issuer;

    private BalancerCertificate(TestCertificates issuer, string pemPath)
    {
        _issuer = issuer;
        PemPath = pemPath;
    }

    /// <summary>The PEM file (certificate + private key).</summary>
    public string PemPath { get; }

    /// <summary>Writes the PEM file into <paramref name="folder"/>.</summary>
    public static BalancerCertificate Create(DirectoryInfo folder)
    {
        var issuer = TestCertificates.Create();
        using var server = X509CertificateLoader.LoadPkcs12FromFile(issuer.ServerPfxPath, TestCertificates.Password, X509KeyStorageFlags.Exportable);
        using var key = server.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the test server certificate has no ECDSA key");
        var pemPath = Path.Combine(folder.FullName, "balancer.pem");
        File.WriteAllText(pemPath, server.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        return new BalancerCertificate(issuer, pemPath);
    }

    /// <summary>Accepts exactly the certificate chain of this test CA (for a client's validation callback).</summary>
    public bool Validates(X509Certificate? certificate) => _issuer.Validates(certificate);

    public void Dispose() => _issuer.Dispose();
}
