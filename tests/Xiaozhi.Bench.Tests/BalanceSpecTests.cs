using Xiaozhi.Bench.Runs;

namespace Xiaozhi.Bench.Tests;

/// <summary><c>balance [devices] [--quick] [--case-seconds S]</c>: defaults, the quick profile, overrides, errors by name.</summary>
public sealed class BalanceSpecTests
{
    [Test]
    public void Forty_devices_and_twenty_second_cases_by_default()
    {
        var spec = BalanceSpec.Parse(["balance"]);

        spec.Devices.Should().Be(40);
        spec.CaseDuration.Should().Be(TimeSpan.FromSeconds(20));
        spec.Quick.Should().BeFalse();
    }

    [Test]
    public void Quick_is_ten_devices_and_five_second_cases_and_a_count_overrides_it_in_any_order()
    {
        BalanceSpec.Parse(["balance", "--quick"]).Should().BeEquivalentTo(new { Devices = 10, CaseDuration = TimeSpan.FromSeconds(5), Quick = true });
        BalanceSpec.Parse(["balance", "30", "--quick"]).Devices.Should().Be(30);
        BalanceSpec.Parse(["balance", "--quick", "30", "--case-seconds", "8"]).Should().BeEquivalentTo(new { Devices = 30, CaseDuration = TimeSpan.FromSeconds(8) });
    }

    [TestCase("1")]
    [TestCase("2001")]
    [TestCase("abc")]
    public void A_count_out_of_range_is_refused_by_name(string count)
    {
        var parse = () => BalanceSpec.Parse(["balance", count]);

        parse.Should().Throw<FormatException>().WithMessage("balance [devices] must be an integer from 2 to 2000.");
    }

    [Test]
    public void A_second_count_or_an_unknown_flag_is_refused_with_the_usage()
    {
        ((Action)(() => BalanceSpec.Parse(["balance", "20", "30"]))).Should().Throw<FormatException>().WithMessage("usage: balance [devices] [--quick] [--case-seconds S] (got '30')");
        ((Action)(() => BalanceSpec.Parse(["balance", "--fast"]))).Should().Throw<FormatException>().WithMessage("usage: balance [devices] [--quick] [--case-seconds S] (got '--fast')");
    }

    [Test]
    public void Case_seconds_needs_a_value_in_range()
    {
        ((Action)(() => BalanceSpec.Parse(["balance", "--case-seconds"]))).Should().Throw<FormatException>().WithMessage("--case-seconds needs a value.");
        ((Action)(() => BalanceSpec.Parse(["balance", "--case-seconds", "1"]))).Should().Throw<FormatException>().WithMessage("--case-seconds must be*");
    }
}
