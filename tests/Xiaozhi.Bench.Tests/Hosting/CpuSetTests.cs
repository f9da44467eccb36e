using Xiaozhi.Bench;
using Xiaozhi.Bench.Hosting;

namespace Xiaozhi.Bench.Tests.Hosting;

/// <summary>The harness's CPU lists (<c>--server-cpus</c>, <c>--load-cpus</c>): taskset's list form, checked against the machine.</summary>
public sealed class CpuSetTests
{
    [TestCase("1", 0b10UL, "1", "CPU 1")]
    [TestCase("2,3", 0b1100UL, "2,3", "CPUs 2,3")]
    [TestCase("2-5", 0b111100UL, "2,3,4,5", "CPUs 2,3,4,5")]
    [TestCase("0, 3-4", 0b11001UL, "0,3,4", "CPUs 0,3,4")]
    [TestCase("3,3", 0b1000UL, "3", "CPU 3")]
    [TestCase("63", 1UL << 63, "63", "CPU 63")]
    public void A_list_becomes_the_affinity_mask_and_the_list_taskset_is_given(string list, ulong mask, string taskset, string label)
    {
        var cpus = CpuSet.Parse("--server-cpus", list, 64);

        cpus.Mask.Should().Be(mask);
        cpus.ToString().Should().Be(taskset);
        cpus.Label.Should().Be(label);
    }

    [TestCase("", "'' is not a CPU number or range")]
    [TestCase("x", "'x' is not a CPU number or range")]
    [TestCase("-1", "'-1' is not a CPU number or range")]
    [TestCase("3-1", "'3-1' is not a CPU number or range")]
    [TestCase("1,,2", "'' is not a CPU number or range")]
    [TestCase("2", "CPU 2 does not exist here (CPUs 0-1)")]
    [TestCase("0-2", "CPU 2 does not exist here (CPUs 0-1)")]
    public void A_malformed_list_or_a_cpu_the_machine_lacks_is_refused_by_name(string list, string message)
    {
        var parse = () => CpuSet.Parse("--load-cpus", list, 2);

        parse.Should().Throw<FormatException>().WithMessage("--load-cpus: " + message + "*");
    }

    [Test]
    public void No_cpu_past_63_even_on_a_bigger_machine()
    {
        var parse = () => CpuSet.Parse("--server-cpus", "64", 128);

        parse.Should().Throw<FormatException>().WithMessage("*CPU 64 does not exist here (CPUs 0-63)*");
    }

    [Test]
    public void The_options_default_to_the_two_cpu_layout_and_take_the_lists()
    {
        var defaults = BenchOptions.Parse([]);
        defaults.ServerCpus.ToString().Should().Be("1");
        defaults.LoadCpus.ToString().Should().Be("0");

        var swapped = BenchOptions.Parse(["--server-cpus", "0", "--load-cpus", "1"]);
        swapped.ServerCpus.Mask.Should().Be(0b01UL);
        swapped.LoadCpus.Mask.Should().Be(0b10UL);
    }
}
