using System.Net;
using Microsoft.Extensions.Options;

namespace Xiaozhi.Im.Service.Forwarding;

/// <summary>Start-up checks of <see cref="ForwardingOptions"/>: every entry parses, each failure naming its setting.</summary>
internal sealed class ForwardingOptionsValidator : IValidateOptions<ForwardingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            var proxy = options.KnownProxies[i];
            if (!IsAddress(proxy?.Trim()))
            {
                failures.Add($"ForwardedHeaders:KnownProxies:{i} '{proxy}' is not an IP address (e.g. 10.0.0.5 or fd00::5; networks go in ForwardedHeaders:KnownNetworks).");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            var network = options.KnownNetworks[i];
            var slash = network?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            // Host bits past the prefix (10.0.0.1/8) are refused too: the operator meant 10.0.0.0/8, or a proxy address.
            if (slash < 0 || !IsAddress(network![..slash].Trim())
                || !IPNetwork.TryParse(network.Trim(), out var parsed) || !parsed.BaseAddress.Equals(IPAddress.Parse(network[..slash].Trim())))
            {
                failures.Add($"ForwardedHeaders:KnownNetworks:{i} '{network}' is not a network in CIDR notation with no bits set past the prefix (e.g. 10.0.0.0/8 or fd00::/8).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // IPAddress.TryParse also takes the legacy short IPv4 forms ("10.1" = 10.0.0.1): a typo would trust another host.
    private static bool IsAddress(string? text) =>
        IPAddress.TryParse(text, out var address)
        && (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || text.Count(c => c == '.') == 3);
}
