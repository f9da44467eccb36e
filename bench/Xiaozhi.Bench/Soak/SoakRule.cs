namespace Xiaozhi.Bench.Soak;

/// <summary>The rules the checker holds a run to.</summary>
internal enum SoakRule
{
    /// <summary>A turn neither completed (in order, audio byte-exact) nor told the device why.</summary>
    SilentLoss,

    /// <summary>Two live sessions of one device longer than the bound (1 s; after a Redis outage, its own bound).</summary>
    DuplicateSession,

    /// <summary>A reconnect whose hello was answered later than the bound (2 s) while a node was up.</summary>
    SlowHello,

    /// <summary>A device or node key older than its TTL, or without one.</summary>
    KeyOutlivedTtl,
}
