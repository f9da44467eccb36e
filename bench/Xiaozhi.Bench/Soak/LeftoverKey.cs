namespace Xiaozhi.Bench.Soak;

/// <summary>
/// A cluster key found after the run: <see cref="Age"/> since it was last written (its owner stopped refreshing it),
/// <see cref="RemainingTtl"/> as Redis reports it (null: the key has no expiry).
/// </summary>
internal sealed record LeftoverKey(string Key, KeyKind Kind, TimeSpan Age, TimeSpan? RemainingTtl);
