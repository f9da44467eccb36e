using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// A throw-away private CA with a server certificate for 127.0.0.1/localhost and a client certificate, written as
/// PFX/PEM files for Kestrel and the IM's TLS settings.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string Password = "test-only";

    private TestCertificates(DirectoryInfo dir, X509Certificate2 authority)
    {
        Directory = dir;
        Authority = authority;
    }

    public DirectoryInfo Directory { get; }

    public X509Certificate2 Authority { get; }

    public string AuthorityPemPath => Path.Combine(Directory.FullName, "ca.pem");

    public string ServerPfxPath => Path.Combine(Directory.FullName, "server.pfx");

    public string ClientPfxPath => Path.Combine(Directory.FullName, "client.pfx");

    /// <summary>An unrelated self-signed client certificate (not issued by the CA).</summary>
    public string StrangerPfxPath => Path.Combine(Directory.FullName, "stranger.pfx");

    public static TestCertificates Create()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("xiaozhi-tls-");
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Xiaozhi Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var authority = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(Path.Combine(dir.FullName, "ca.pem"), authority.ExportCertificatePem());

        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        WriteLeaf(dir, "server.pfx", "CN=localhost", authority, now, san.Build(), new Oid("1.3.6.1.5.5.7.3.1"));
        WriteLeaf(dir, "client.pfx", "CN=xiaozhi-im", authority, now, null, new Oid("1.3.6.1.5.5.7.3.2"));

        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var stranger = new CertificateRequest("CN=stranger", strangerKey, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllBytes(Path.Combine(dir.FullName, "stranger.pfx"), stranger.Export(X509ContentType.Pkcs12, Password));
        return new TestCertificates(dir, authority);
    }

    /// <summary>Accepts exactly the certificates this CA issued (for test clients).</summary>
    public bool Validates(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    public void Dispose()
    {
        Authority.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void WriteLeaf(DirectoryInfo dir, string file, string subject, X509Certificate2 authority, DateTimeOffset now, X509Extension? san, Oid usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(authority, now.AddMinutes(-5), now.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        File.WriteAllBytes(Path.Combine(dir.FullName, file), withKey.Export(X509ContentType.Pkcs12, Password));
    }
}
