namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Exponential backoff with jitter: attempt n waits a random time in [cap/2, cap] with cap = min(max, initial·2ⁿ), so
/// many sessions resuming at once (a backend restart) spread out and never wait longer than the cap.
/// </summary>
internal sealed class ResumeBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;

    /// <summary>Creates the backoff; <paramref name="random"/> returns values in [0, 1) (default <see cref="Random.Shared"/>).</summary>
    public ResumeBackoff(TimeSpan initial, TimeSpan max, Func<double>? random = null)
    {
        _initial = initial;
        _max = max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The cap of attempt <paramref name="attempt"/> (0-based) before jitter.</summary>
    public TimeSpan Cap(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt, 0, 30));
        var ticks = Math.Min(_max.Ticks, _initial.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan Delay(int attempt)
    {
        var cap = Cap(attempt);
        return TimeSpan.FromTicks((long)(cap.Ticks * (0.5 + (0.5 * _random()))));
    }
}
