namespace Xiaozhi.Bench.Soak;

/// <summary>A fault the schedule injected on <see cref="Target"/> at <see cref="At"/>, in effect until <see cref="Until"/> (null: to the run's end).</summary>
internal sealed record FaultInjected(FaultKind Kind, string Target, TimeSpan At, TimeSpan? Until)
{
    public bool ActiveAt(TimeSpan time) => time >= At && (Until is null || time < Until);

    public bool Overlaps(TimeSpan from, TimeSpan to) => At <= to && (Until is null || Until >= from);

    public override string ToString() =>
        $"{Kind} {Target} at {At.TotalSeconds:F1} s" + (Until is { } until ? $" until {until.TotalSeconds:F1} s" : string.Empty);
}
