using Xiaozhi.Bench;

namespace Xiaozhi.Bench.Tests;

/// <summary>The device count of <c>cluster [N]</c> and <c>haproxy [N]</c>: a default, a range, and errors by name.</summary>
public sealed class FleetDevicesTests
{
    [TestCase(new[] { "haproxy" }, 1_000)]
    [TestCase(new[] { "cluster", "200" }, 200)]
    [TestCase(new[] { "haproxy", "1" }, 1)]
    [TestCase(new[] { "haproxy", "20000" }, 20_000)]
    public void The_count_given_or_a_thousand(string[] args, int devices) =>
        BenchOptions.FleetDevices(args).Should().Be(devices);

    [TestCase("abc")]
    [TestCase("0")]
    [TestCase("20001")]
    [TestCase("1.5")]
    public void A_count_that_is_not_one_is_refused_by_name(string count)
    {
        var parse = () => BenchOptions.FleetDevices(["haproxy", count]);

        parse.Should().Throw<FormatException>().WithMessage("haproxy [devices] must be an integer from 1 to 20000.");
    }

    [Test]
    public void Anything_after_the_count_is_refused_with_the_usage()
    {
        var parse = () => BenchOptions.FleetDevices(["cluster", "200", "--quick"]);

        parse.Should().Throw<FormatException>().WithMessage("usage: cluster [devices] (got '200 --quick')");
    }
}
