using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Xiaozhi.Bench.Micro;

/// <summary>A short in-process job (no generated project to restore) with allocations.</summary>
public sealed class MicroConfig : ManualConfig
{
    /// <summary>The configuration.</summary>
    public MicroConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
        Options |= ConfigOptions.DisableLogFile;
    }
}
