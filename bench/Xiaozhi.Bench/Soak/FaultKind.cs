namespace Xiaozhi.Bench.Soak;

/// <summary>The faults the soak injects.</summary>
internal enum FaultKind
{
    /// <summary>A gateway node SIGKILLed (its devices cannot be told); <see cref="FaultInjected.Until"/>: restarted.</summary>
    NodeKilled,

    /// <summary>A gateway node drained (SIGTERM); <see cref="FaultInjected.Until"/>: restarted.</summary>
    NodeDrained,

    /// <summary>The Redis primary SIGKILLed; <see cref="FaultInjected.Until"/>: claims work again on the new primary.</summary>
    RedisPrimaryKilled,

    /// <summary>An AI stub SIGKILLed; <see cref="FaultInjected.Until"/>: restarted.</summary>
    AiStubKilled,

    /// <summary>HAProxy reloaded.</summary>
    BalancerReloaded,
}
