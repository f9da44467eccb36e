using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Xiaozhi.AiService.Stub.Hosting;

/// <summary>Applies <see cref="StubTlsOptions"/> to an https gRPC endpoint.</summary>
internal static class ClientCertificatePolicy
{
    public static void Apply(HttpsConnectionAdapterOptions https, StubTlsOptions tls)
    {
        if (!tls.RequireClientCertificate)
        {
            return;
        }

        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        var authority = string.IsNullOrWhiteSpace(tls.ClientCertificateAuthorityPath)
            ? null
            : X509CertificateLoader.LoadCertificateFromFile(tls.ClientCertificateAuthorityPath);
        https.ClientCertificateValidation = (certificate, _, errors) => authority is null
            ? certificate is not null
            : IssuedBy(certificate, authority) && (errors & ~(SslPolicyErrors.RemoteCertificateChainErrors)) == SslPolicyErrors.None;
    }

    private static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }
}
