using System.Net;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>The operating system's resolver (A and AAAA records, as grpc-dotnet's DNS resolver reads them).</summary>
internal sealed class SystemDnsEndpointResolver : IAiEndpointResolver
{
    /// <inheritdoc />
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}
