using Xiaozhi.Bench.Soak;

namespace Xiaozhi.Bench.Tests.Soak;

/// <summary>
/// A short soak with a fixed seed on the real fleet (three IM nodes, Redis with Sentinel, HAProxy, two stubs, all child
/// processes): every fault kind injected, and the checker finds nothing. The long run is the operator's
/// (<c>./build.sh soak</c>).
/// </summary>
[NonParallelizable]
public sealed class SoakRunTests
{
    // Explicit until the gateway keeps the rules: on its first runs a stub kill ended turns with the IM's own tts stop and
    // no alert (SilentLoss), and hellos waited 3-6 s while a stub was down or Redis failed over (SlowHello).
    [Test]
    [Explicit("the gateway does not yet keep the soak's rules (docs/operations.md#soak, findings)")]
    [CancelAfter(150_000)]
    public async Task A_short_fixed_seed_soak_injects_every_fault_kind_and_has_no_violation()
    {
        var spec = new SoakSpec { Duration = TimeSpan.FromSeconds(60), Seed = 1, Devices = 12 };
        using var progress = new StringWriter();

        var outcome = await SoakFleet.SoakAsync(spec, TextWriter.Synchronized(progress));

        var report = outcome.Report;
        TestContext.Out.WriteLine(report.ToString());
        report.Faults.Select(f => f.Kind).Distinct().Should().BeEquivalentTo(Enum.GetValues<FaultKind>(), "every kind was injected:\n" + progress);
        report.Completed.Should().BeGreaterThan(spec.Devices, "devices talked");
        report.Reconnects.Should().NotBeEmpty();
        report.Violations.Should().BeEmpty(report.ToString());
    }
}
