namespace Xiaozhi.Bench.Soak;

/// <summary>
/// One device's events in the order they were appended. A device's driver and its reader append from two tasks, so
/// appends take a lock of their own: uncontended across devices, and cheap (a list add).
/// </summary>
internal sealed class DeviceHistory(string deviceId)
{
    private readonly Lock _lock = new();
    private readonly List<DeviceEvent> _events = [];
    private int _connections;

    public string DeviceId { get; } = deviceId;

    /// <summary>The number of the device's next connection (1, 2, …): what its events carry.</summary>
    public int NextConnection() => Interlocked.Increment(ref _connections);

    public void Append(DeviceEvent e)
    {
        lock (_lock)
        {
            _events.Add(e);
        }
    }

    /// <summary>A copy ordered by time (stable: equal times keep their append order).</summary>
    public IReadOnlyList<DeviceEvent> Events()
    {
        lock (_lock)
        {
            return [.. _events.OrderBy(e => e.At)];
        }
    }
}
