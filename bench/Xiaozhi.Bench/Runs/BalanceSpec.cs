using static Xiaozhi.DeviceSim.Cli.OptionValues;

namespace Xiaozhi.Bench.Runs;

/// <summary>The command line of <c>balance [devices] [--quick] [--case-seconds S]</c>: how many devices, how long each case runs.</summary>
public sealed record BalanceSpec
{
    /// <summary>Devices coming and going (40; quick 10).</summary>
    public int Devices { get; init; } = 40;

    /// <summary>Measured length of each case per policy (20 s; quick 5 s).</summary>
    public TimeSpan CaseDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Load before the first case of each policy, not measured (5 s; quick 2 s): the node's JIT, the connections.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The smoke profile.</summary>
    public bool Quick { get; init; }

    /// <summary>
    /// Parses <paramref name="args"/> (starting with the mode, <c>balance</c>); <c>--quick</c> first, so an explicit count
    /// or case length overrides it. A <see cref="FormatException"/> names what is wrong.
    /// </summary>
    public static BalanceSpec Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var spec = args.Contains("--quick")
            ? new BalanceSpec { Devices = 10, CaseDuration = TimeSpan.FromSeconds(5), Warmup = TimeSpan.FromSeconds(2), Quick = true }
            : new BalanceSpec();
        var devicesGiven = false;
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--quick":
                    break;
                case "--case-seconds":
                    spec = spec with { CaseDuration = TimeSpan.FromSeconds(Double(arg, i + 1 < args.Count ? args[++i] : throw new FormatException("--case-seconds needs a value."), 2, 600)) };
                    break;
                case var count when !devicesGiven && !count.StartsWith('-'):
                    spec = spec with { Devices = Int($"{args[0]} [devices]", count, 2, 2_000) };
                    devicesGiven = true;
                    break;
                default:
                    throw new FormatException($"usage: {args[0]} [devices] [--quick] [--case-seconds S] (got '{arg}')");
            }
        }

        return spec;
    }
}
