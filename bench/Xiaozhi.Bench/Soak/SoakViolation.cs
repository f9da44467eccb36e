namespace Xiaozhi.Bench.Soak;

/// <summary>One broken rule: what (<see cref="Subject"/>: a device id or a key), when, and the evidence.</summary>
internal sealed record SoakViolation(SoakRule Rule, string Subject, TimeSpan At, string Detail)
{
    public override string ToString() => $"{Rule} {Subject} at {At.TotalSeconds:F3} s: {Detail}";
}
