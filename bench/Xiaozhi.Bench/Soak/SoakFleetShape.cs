namespace Xiaozhi.Bench.Soak;

/// <summary>The fleet's size: what the fault plan picks its targets from.</summary>
internal static class SoakFleetShape
{
    public const int Nodes = 3;

    public const int Stubs = 2;
}
