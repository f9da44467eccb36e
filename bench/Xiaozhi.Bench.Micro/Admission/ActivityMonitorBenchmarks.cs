using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Xiaozhi.Im.Service.Admission;

namespace Xiaozhi.Bench.Micro.Admission;

/// <summary>
/// What the admission policies cost per device message (<see cref="DeviceActivityMonitor.OnReceived"/>, called twice per
/// frame: the zero-byte wait and the read): the idle clock's timestamp and the flood bucket, on the system clock.
/// </summary>
[Config(typeof(MicroConfig))]
[MemoryDiagnoser]
public class ActivityMonitorBenchmarks
{
    private readonly byte[] _frame = new byte[160];
    private DeviceActivityMonitor _monitor = null!;

    /// <summary>One monitor on the system clock.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var options = new AdmissionOptions { MessagesPerSecond = 1e9, MessageBurst = 1_000_000_000 };
        _monitor = new DeviceActivityMonitor(options, TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>Disposes the monitor.</summary>
    [GlobalCleanup]
    public void Cleanup() => _monitor.Dispose();

    /// <summary>The policies' work for one received binary message.</summary>
    [Benchmark]
    public void OnReceived() => _monitor.OnReceived(WebSocketMessageType.Binary, endOfMessage: true, _frame);
}
