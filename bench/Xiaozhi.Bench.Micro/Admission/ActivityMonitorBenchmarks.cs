using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

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
    private ServiceProvider _services = null!;
    private AiEndpointPool _pool = null!;

    /// <summary>One monitor on the system clock.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var options = new AdmissionOptions { MessagesPerSecond = 1e9, MessageBurst = 1_000_000_000, HelloTimeout = TimeSpan.FromDays(1), IdleTimeout = TimeSpan.FromDays(1) };
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _pool = new AiEndpointPool(Options.Create(new AiOptions()), TimeProvider.System, NullLoggerFactory.Instance);
        var metrics = new ImMetrics(_services.GetRequiredService<IMeterFactory>(), _pool, new SessionRegistry());
        // No policy acts within a run (a day's clocks, a rate never reached): the session and its writer are never used.
        _monitor = new DeviceActivityMonitor(options, TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger.Instance, metrics, new UnclosedSession(), writer: null!, ai: null);
    }

    /// <summary>Disposes the monitor.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _monitor.Dispose();
        _pool.Dispose();
        _services.Dispose();
    }

    /// <summary>The policies' work for one received binary message.</summary>
    [Benchmark]
    public void OnReceived() => _monitor.OnReceived(WebSocketMessageType.Binary, endOfMessage: true, _frame);

    private sealed class UnclosedSession : IDeviceSession
    {
        public string DeviceId => "bench";

        public string SessionId => "bench";

        public Task CloseAsync(DeviceClose close) => Task.CompletedTask;
    }
}
