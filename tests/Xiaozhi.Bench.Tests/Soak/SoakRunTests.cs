using System.Diagnostics;
using Xiaozhi.Bench.Soak;

namespace Xiaozhi.Bench.Tests.Soak;

/// <summary>
/// A short soak with a fixed seed on the real fleet (three IM nodes, Redis with Sentinel, HAProxy, two stubs, all child
/// processes): every fault kind injected, and the checker finds nothing. The long run is the operator's
/// (<c>./build.sh soak</c>); this one is what CI runs so a regression fails <c>./build.sh test</c>.
/// </summary>
[NonParallelizable]
public sealed class SoakRunTests
{
    /// <summary>
    /// One minute of devices talking: the plan's five faults (one of each kind) fit in it, and the whole test (fleet
    /// start, faults that run past their slot, the devices' stop, the check) stays near two minutes on a busy 2-core machine.
    /// </summary>
    private static readonly SoakSpec Spec = new() { Duration = TimeSpan.FromSeconds(60), Seed = 1, Devices = 12 };

    [Test]
    [CancelAfter(300_000)]
    public async Task A_short_fixed_seed_soak_injects_every_fault_kind_and_has_no_violation()
    {
        using var progress = new StringWriter();
        var clock = Stopwatch.StartNew();

        var outcome = await SoakFleet.SoakAsync(Spec, TextWriter.Synchronized(progress));

        var report = outcome.Report;
        var evidence = $"{Spec}: {clock.Elapsed.TotalSeconds:F0} s in all\n{report}\nprogress:\n{progress}";
        TestContext.Out.WriteLine(evidence);
        SoakFleetShape.Nodes.Should().Be(3, "the issue's fleet: three nodes behind the shipped HAProxy file");
        report.Faults.Select(f => f.Kind).Distinct().Should().BeEquivalentTo(Enum.GetValues<FaultKind>(), "every kind was injected:\n{0}", evidence);
        report.Completed.Should().BeGreaterThan(Spec.Devices, "devices talked:\n{0}", evidence);
        report.Reconnects.Should().NotBeEmpty("devices reconnected through the balancer:\n{0}", evidence);
        report.Violations.Should().BeEmpty("the checker's rules hold:\n{0}", evidence);
    }
}
