namespace Xiaozhi.Bench.Soak;

/// <summary>The fleet's size: what the fault plan picks its targets from.</summary>
internal static class SoakFleetShape
{
    /// <summary>As many IM nodes as the shipped HAProxy configuration lists (three; it is run as shipped).</summary>
    public static int Nodes => Haproxy.ShippedServerCount;

    public const int Stubs = 2;
}
