using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>Turns <see cref="AiTlsOptions"/> into the handler's TLS settings: a private CA and an optional client certificate.</summary>
internal static class AiTlsSettings
{
    /// <summary>Applies the options to a channel's handler. Files are read once, here (start-up).</summary>
    public static void Apply(SocketsHttpHandler handler, AiTlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(tls);

        if (LoadClientCertificate(tls) is { } client)
        {
            handler.SslOptions.ClientCertificates = [client];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        }

        if (!string.IsNullOrWhiteSpace(tls.CaCertificatePath))
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(tls.CaCertificatePath);
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { authority },
                RevocationMode = X509RevocationMode.NoCheck,
            };
        }
    }

    /// <summary>Loads the client certificate, or null when none is configured.</summary>
    public static X509Certificate2? LoadClientCertificate(AiTlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (string.IsNullOrWhiteSpace(tls.ClientCertificatePath))
        {
            return null;
        }

        var extension = Path.GetExtension(tls.ClientCertificatePath);
        if (extension is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(tls.ClientCertificatePath, tls.ClientCertificatePassword);
        }

        return string.IsNullOrEmpty(tls.ClientCertificatePassword)
            ? X509Certificate2.CreateFromPemFile(tls.ClientCertificatePath, tls.ClientKeyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(tls.ClientCertificatePath, tls.ClientCertificatePassword, tls.ClientKeyPath);
    }
}
