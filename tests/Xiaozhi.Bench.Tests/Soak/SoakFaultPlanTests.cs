using Xiaozhi.Bench.Soak;

namespace Xiaozhi.Bench.Tests.Soak;

/// <summary>The seeded fault schedule: reproducible, every kind early, nothing in the warm-up or the last stretch.</summary>
public sealed class SoakFaultPlanTests
{
    [TestCase(75)]
    [TestCase(300)]
    [TestCase(1800)]
    public void Every_kind_is_planned_within_the_window_on_valid_targets(int seconds)
    {
        var duration = TimeSpan.FromSeconds(seconds);

        var plan = SoakFaultPlan.Create(7, duration, nodes: 3, stubs: 2);

        plan.Take(5).Select(f => f.Kind).Should().BeEquivalentTo(Enum.GetValues<FaultKind>());
        plan.Should().BeInAscendingOrder(f => f.At);
        var warmUp = TimeSpan.FromSeconds(Math.Min(10, seconds / 8.0));
        var settle = TimeSpan.FromSeconds(Math.Min(20, seconds / 6.0));
        plan.Should().OnlyContain(f => f.At >= warmUp && f.At <= duration - settle);
        plan.Where(f => f.Kind is FaultKind.NodeKilled or FaultKind.NodeDrained).Should().OnlyContain(f => f.Target >= 0 && f.Target < 3);
        plan.Where(f => f.Kind == FaultKind.AiStubKilled).Should().OnlyContain(f => f.Target >= 0 && f.Target < 2);
        plan.Count.Should().BeGreaterThanOrEqualTo(Math.Max(5, (seconds - 40) / 20));
    }

    [Test]
    public void The_same_seed_plans_the_same_faults_and_another_seed_others()
    {
        var duration = TimeSpan.FromMinutes(5);

        SoakFaultPlan.Create(3, duration, 3, 2).Should().Equal(SoakFaultPlan.Create(3, duration, 3, 2));
        SoakFaultPlan.Create(4, duration, 3, 2).Should().NotEqual(SoakFaultPlan.Create(3, duration, 3, 2));
    }

    [Test]
    public void The_command_line_reads_minutes_seed_and_devices()
    {
        SoakSpec.Parse([]).Should().Be(new SoakSpec());
        SoakSpec.Parse(["2.5", "--seed", "9", "--devices", "12"]).Should().Be(
            new SoakSpec { Duration = TimeSpan.FromMinutes(2.5), Seed = 9, Devices = 12 });
        FluentActions.Invoking(() => SoakSpec.Parse(["--seed"])).Should().Throw<FormatException>().WithMessage("*--seed*");
        FluentActions.Invoking(() => SoakSpec.Parse(["five"])).Should().Throw<FormatException>().WithMessage("*'five'*");
    }
}
