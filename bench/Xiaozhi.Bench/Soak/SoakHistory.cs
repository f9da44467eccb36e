using System.Collections.Concurrent;

namespace Xiaozhi.Bench.Soak;

/// <summary>Every device's history and the faults injected, as a run appends them (concurrently) and the checker reads them.</summary>
internal sealed class SoakHistory
{
    private readonly ConcurrentDictionary<string, DeviceHistory> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FaultInjected> _faults = new();

    /// <summary>The device's history, created on first use.</summary>
    public DeviceHistory Device(string deviceId) => _devices.GetOrAdd(deviceId, id => new DeviceHistory(id));

    public void Fault(FaultInjected fault) => _faults.Enqueue(fault);

    public IReadOnlyList<DeviceHistory> Devices => [.. _devices.Values.OrderBy(d => d.DeviceId, StringComparer.Ordinal)];

    public IReadOnlyList<FaultInjected> Faults => [.. _faults.OrderBy(f => f.At)];
}
