using System.Globalization;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// <c>Xiaozhi.Bench soak [minutes] [--seed N] [--devices N]</c>: how long, which fault schedule, how many devices.
/// </summary>
internal sealed record SoakSpec
{
    public const string Help = """
        Usage: Xiaozhi.Bench soak [minutes] [--seed N] [--devices N]
          minutes      how long devices talk while faults are injected (default 5; fractions allowed)
          --seed N     the fault schedule's and the devices' seed (default 1): the same seed, the same schedule
          --devices N  devices coming and going (default 40)
        Starts the three IM nodes the shipped HAProxy configuration lists (a cluster on Redis through Sentinel) behind it, two AI
        stubs recycling their connections (GOAWAY), and injects node kills, node drains, Redis primary kills, stub
        kills and HAProxy reloads. Prints the checker's report; exits 1 on any violation (docs/operations.md#soak).
        """;

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    public int Seed { get; init; } = 1;

    public int Devices { get; init; } = 40;

    /// <summary>Parses the arguments after <c>soak</c>; throws <see cref="FormatException"/> naming the bad one.</summary>
    public static SoakSpec Parse(IReadOnlyList<string> args)
    {
        var spec = new SoakSpec();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--seed":
                    spec = spec with { Seed = Number(args, ++i, "--seed", 0) };
                    break;
                case "--devices":
                    spec = spec with { Devices = Number(args, ++i, "--devices", 1) };
                    break;
                default:
                    if (i == 0 && double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0 && minutes <= 24 * 60)
                    {
                        spec = spec with { Duration = TimeSpan.FromMinutes(minutes) };
                        break;
                    }

                    throw new FormatException($"soak: unknown argument '{args[i]}' (expected [minutes] [--seed N] [--devices N])");
            }
        }

        return spec;
    }

    private static int Number(IReadOnlyList<string> args, int i, string name, int least) =>
        i < args.Count && int.TryParse(args[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= least
            ? value
            : throw new FormatException($"soak: {name} needs a whole number of at least {least}");
}
