using System.Net;

namespace Xiaozhi.Testing.Devices;

/// <summary>How a simulated device dials the gateway.</summary>
public sealed class DeviceConnectOptions
{
    /// <summary>The device's MAC; a fresh random one by default so tests never replace each other.</summary>
    public string DeviceId { get; init; } = DeviceIds.NewMac();

    public string ClientId { get; init; } = Guid.NewGuid().ToString();

    /// <summary>Protocol-Version header; null sends none (version 1 implied).</summary>
    public int? ProtocolVersion { get; init; }

    public string? SessionId { get; init; }

    /// <summary>The bare JWT; null mints a valid one for <see cref="DeviceId"/>.</summary>
    public string? Token { get; init; }

    /// <summary>Send no Authorization header at all.</summary>
    public bool OmitAuthorization { get; init; }

    /// <summary>Path and query to dial instead of the default <c>/xiaozhi/v1/</c>.</summary>
    public string? PathAndQuery { get; init; }

    /// <summary>Send no Device-Id header (e.g. when it travels in the query).</summary>
    public bool OmitDeviceIdHeader { get; init; }

    /// <summary>Dial from this local address (e.g. 127.0.0.23), so that devices behind a load balancer have addresses of their own.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>More request headers, e.g. an <c>X-Forwarded-For</c> a device made up.</summary>
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; init; } = new Dictionary<string, string>();
}
