using System.Globalization;
using System.Text.RegularExpressions;

namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>deploy/systemd/: the units verify, and stopping the gateway leaves its drain the time it needs.</summary>
public sealed partial class SystemdUnitTests
{
    private static readonly string[] Units = ["xiaozhi-im.service", "xiaozhi-ai-stub.service"];

    [Test]
    public async Task Systemd_analyze_verifies_both_units()
    {
        var copies = Directory.CreateTempSubdirectory("xiaozhi-units-");
        try
        {
            // The units start /usr/bin/dotnet (Debian's and Microsoft's packages); verify checks that it is executable,
            // so on a machine whose dotnet lives elsewhere the copies point at that one.
            var dotnet = File.Exists("/usr/bin/dotnet") ? "/usr/bin/dotnet" : ExternalTool.Require("dotnet", "dotnet-sdk-10.0");
            foreach (var unit in Units)
            {
                await File.WriteAllTextAsync(Path.Combine(copies.FullName, unit), RepositoryFiles.Read($"deploy/systemd/{unit}").Replace("/usr/bin/dotnet ", dotnet + " ", StringComparison.Ordinal));
            }

            var result = await ExternalTool.RunAsync("systemd-analyze", "systemd", ["verify", .. Units.Select(u => Path.Combine(copies.FullName, u))]);

            result.ExitCode.Should().Be(0, result.ToString());
            // verify reports bad values ("Failed to parse ...", unknown keys) as warnings with exit code 0.
            result.Output.Split('\n').Where(l => Units.Any(u => l.Contains(u, StringComparison.Ordinal))).Should().BeEmpty(result.ToString());
        }
        finally
        {
            copies.Delete(recursive: true);
        }
    }

    /// <summary>The exposure systemd rates the units at (0 best, 10 worst); 1.2 when set, "OK" up to 4.9.</summary>
    private const double ExposureCeiling = 2.0;

    [TestCaseSource(nameof(Units))]
    public async Task Systemd_analyze_security_rates_the_unit_under_the_ceiling(string unit)
    {
        var result = await ExternalTool.RunAsync("systemd-analyze", "systemd", ["security", "--offline=yes", "--no-pager", RepositoryFiles.PathOf($"deploy/systemd/{unit}")]);

        var overall = Regex.Match(result.Output, $@"Overall exposure level for {Regex.Escape(unit)}: (?<level>\d+(?:\.\d+)?)");
        overall.Success.Should().BeTrue("the tool reports an overall level ({0})", result);
        double.Parse(overall.Groups["level"].Value, CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(ExposureCeiling,
            "a hardening setting was lost or weakened; the tool's findings:\n{0}", result);
    }

    [Test]
    public async Task Stopping_the_gateway_waits_longer_than_its_drain()
    {
        var unit = RepositoryFiles.Read("deploy/systemd/xiaozhi-im.service");
        var stop = Seconds(Value(unit, "TimeoutStopSec"));
        var host = await GatewayStopBudget.DefaultHostShutdownTimeoutAsync();

        host.Should().BeGreaterThanOrEqualTo(GatewayStopBudget.DefaultDrainTimeout, "the host outlives the drain");
        stop.Should().BeGreaterThanOrEqualTo(host + GatewayStopBudget.Margin,
            "systemd must not SIGKILL the gateway while turns finish (Limits:DrainTimeout {0}, host shutdown {1})", GatewayStopBudget.DefaultDrainTimeout, host);
        Value(unit, "KillSignal").Should().Be("SIGTERM", "SIGTERM starts the drain");
        Value(unit, "KillMode").Should().Be("mixed", "the signal goes to the gateway itself, SIGKILL to leftovers only at the end");
    }

    private static string Value(string unit, string key)
    {
        var match = Regex.Match(unit, $@"(?m)^{key}=(?<value>.+)$");
        match.Success.Should().BeTrue($"the unit sets {key}");
        return match.Groups["value"].Value.Trim();
    }

    /// <summary>systemd time spans as the units write them: <c>50</c>, <c>50s</c>, <c>1min</c>, <c>1min 30s</c>.</summary>
    private static TimeSpan Seconds(string text)
    {
        var total = TimeSpan.Zero;
        foreach (Match part in TimeSpanPart().Matches(text))
        {
            var value = double.Parse(part.Groups["value"].Value, CultureInfo.InvariantCulture);
            total += part.Groups["unit"].Value switch
            {
                "" or "s" or "sec" => TimeSpan.FromSeconds(value),
                "min" or "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                var other => throw new FormatException($"unit '{other}' in '{text}'"),
            };
        }

        return total > TimeSpan.Zero ? total : throw new FormatException($"'{text}' is not a time span");
    }

    [GeneratedRegex(@"(?<value>\d+)\s*(?<unit>[a-z]*)")]
    private static partial Regex TimeSpanPart();
}
