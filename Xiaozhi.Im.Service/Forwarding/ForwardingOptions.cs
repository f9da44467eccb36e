namespace Xiaozhi.Im.Service.Forwarding;

/// <summary>
/// Which peers may name the device's address in <c>X-Forwarded-For</c> (section <c>ForwardedHeaders</c>): the load
/// balancers in front of the gateway. Empty (the default) = the header is ignored from every peer, loopback included,
/// so a device can never pick the address its per-IP admission limit is counted against.
/// </summary>
internal sealed class ForwardingOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Proxy addresses (IPv4 or IPv6), <c>ForwardedHeaders:KnownProxies:0..n</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation (e.g. <c>10.0.0.0/8</c>), <c>ForwardedHeaders:KnownNetworks:0..n</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}
