using System.Collections;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>Several devices connected to one gateway, each past its hello; disposing closes them all.</summary>
internal sealed class DeviceGroup : IReadOnlyList<DeviceClient>, IAsyncDisposable
{
    private readonly List<DeviceClient> _devices = [];

    private DeviceGroup()
    {
    }

    /// <inheritdoc />
    public int Count => _devices.Count;

    /// <inheritdoc />
    public DeviceClient this[int index] => _devices[index];

    /// <summary>Connects <paramref name="count"/> devices one after the other and says hello on each.</summary>
    public static async Task<DeviceGroup> ConnectAsync(Gateway gateway, int count)
    {
        var group = new DeviceGroup();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var device = await DeviceClient.ConnectAsync(gateway);
                group._devices.Add(device);
                await device.HelloAsync();
            }

            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public IEnumerator<DeviceClient> GetEnumerator() => _devices.GetEnumerator();

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
        {
            await device.DisposeAsync();
        }
    }
}
