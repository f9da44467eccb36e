using System.Globalization;
using System.Numerics;

namespace Xiaozhi.Bench.Hosting;

/// <summary>
/// A set of CPUs in <c>taskset -c</c> list form (<c>1</c>, <c>2,3</c>, <c>2-5</c>), checked against this machine: the
/// harness pins the server under test to one set and the stub and load generator to another.
/// </summary>
public sealed record CpuSet
{
    private CpuSet(ulong mask) => Mask = mask;

    /// <summary>The affinity mask (bit n = CPU n; CPUs 0-63).</summary>
    public ulong Mask { get; }

    /// <summary>How many CPUs the set holds.</summary>
    public int Count => BitOperations.PopCount(Mask);

    /// <summary>Parses a list of CPU numbers and ranges; <paramref name="cpus"/> is how many CPUs the machine has.</summary>
    /// <exception cref="FormatException">Malformed, empty, or naming a CPU the machine does not have.</exception>
    public static CpuSet Parse(string option, string list, int cpus)
    {
        ArgumentNullException.ThrowIfNull(list);
        var available = Math.Min(cpus, 64);
        ulong mask = 0;
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', 2);
            if (!int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || last < first)
            {
                throw new FormatException($"{option}: '{part}' is not a CPU number or range (e.g. 1, 2,3 or 2-5).");
            }

            if (last >= available)
            {
                throw new FormatException($"{option}: CPU {last} does not exist here (CPUs 0-{available - 1}).");
            }

            for (var cpu = first; cpu <= last; cpu++)
            {
                mask |= 1UL << cpu;
            }
        }

        return new CpuSet(mask);
    }

    /// <summary>The set as a list for <c>taskset -c</c> (e.g. <c>2,3</c>).</summary>
    public override string ToString() =>
        string.Join(',', Enumerable.Range(0, 64).Where(cpu => (Mask & (1UL << cpu)) != 0).Select(cpu => cpu.ToString(CultureInfo.InvariantCulture)));

    /// <summary>"CPU 0" or "CPUs 2,3", for reports.</summary>
    public string Label => (Count == 1 ? "CPU " : "CPUs ") + ToString();
}
