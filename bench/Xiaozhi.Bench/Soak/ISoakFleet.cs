namespace Xiaozhi.Bench.Soak;

/// <summary>The servers a soak runs against, and the faults it can inject into them.</summary>
internal interface ISoakFleet : IAsyncDisposable
{
    /// <summary>The balancer's device URL.</summary>
    Uri DeviceUrl { get; }

    /// <summary>The nodes' <c>Cluster:Redis</c> (through Sentinel): the driver reads the same keys.</summary>
    string RedisConfiguration { get; }

    /// <summary>The nodes' <c>Cluster:KeyPrefix</c>.</summary>
    string KeyPrefix { get; }

    /// <summary>The checker's bounds for this fleet's settings.</summary>
    SoakBounds Bounds { get; }

    /// <summary>Injects <paramref name="fault"/>, records it, and returns once its effect is over (restarted, failed over).</summary>
    Task InjectAsync(SoakFault fault, SoakHistory history, Func<TimeSpan> now);
}
