namespace Xiaozhi.Testing.Devices;

/// <summary>Random MAC-style device ids.</summary>
public static class DeviceIds
{
    public static string NewMac() =>
        string.Join(':', Enumerable.Range(0, 6).Select(_ => Random.Shared.Next(256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
