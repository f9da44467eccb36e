namespace Xiaozhi.Bench.Soak;

/// <summary>A finished soak: the checker's report, the plan it followed, and how many cluster keys were left.</summary>
internal sealed record SoakOutcome(SoakReport Report, IReadOnlyList<SoakFault> Plan, int LeftoverKeys);
