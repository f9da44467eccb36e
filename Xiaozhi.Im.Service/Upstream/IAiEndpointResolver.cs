using System.Net;

namespace Xiaozhi.Im.Service.Upstream;

/// <summary>Looks up the addresses of a <c>dns:///</c> AI endpoint (replaceable in tests).</summary>
internal interface IAiEndpointResolver
{
    /// <summary>The host's A and AAAA addresses; throws (e.g. <see cref="System.Net.Sockets.SocketException"/>) when the lookup fails.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
