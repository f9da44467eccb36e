namespace Xiaozhi.Bench.Soak;

/// <summary>A fault the schedule plans: its kind, when it is due, and which node or stub (an index) it hits.</summary>
internal sealed record SoakFault(TimeSpan At, FaultKind Kind, int Target);
