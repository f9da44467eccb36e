namespace Xiaozhi.Testing.Devices;

/// <summary>What a device needs to dial a gateway: its WebSocket URL and the secret its tokens are signed with.</summary>
public interface IDeviceEndpoint
{
    /// <summary>The device WebSocket URL (path <c>/xiaozhi/v1/</c>).</summary>
    Uri DeviceUrl { get; }

    /// <summary>The secret device tokens are signed with.</summary>
    string JwtSecret { get; }

    /// <summary>The device URL with another path and query.</summary>
    Uri WithPath(string pathAndQuery);
}
