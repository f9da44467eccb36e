using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Tests.Telemetry;

/// <summary>The IM's metrics on a meter factory of their own (so measurements of parallel tests do not mix).</summary>
internal sealed class TestMetrics : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly AiEndpointPool _pool = new(Options.Create(new AiOptions()), TimeProvider.System, NullLoggerFactory.Instance);

    public TestMetrics()
    {
        MeterFactory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new ImMetrics(MeterFactory, _pool, new SessionRegistry());
        Figures = new ResilienceFigures(MeterFactory, ImTelemetry.Name);
    }

    public IMeterFactory MeterFactory { get; }

    public ImMetrics Metrics { get; }

    /// <summary>The resilience figures these metrics recorded since they were made.</summary>
    public ResilienceFigures Figures { get; }

    public void Dispose()
    {
        Figures.Dispose();
        _pool.Dispose();
        _services.Dispose();
    }
}
