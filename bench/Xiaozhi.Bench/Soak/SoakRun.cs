namespace Xiaozhi.Bench.Soak;

/// <summary>
/// A soak (docs/operations.md#soak): devices talk through the fleet for the spec's duration while the seeded plan
/// injects faults; then the devices stop (a turn in progress finishes), the leftover keys are read and the checker
/// holds the histories to its rules.
/// </summary>
internal static class SoakRun
{
    public const string Secret = "xiaozhi-soak-secret-0123456789abcdef0123456789";

    // After the stop: a device's turn in progress may take a session move to finish.
    private static readonly TimeSpan DevicesStopLimit = TimeSpan.FromSeconds(30);

    public static async Task<SoakOutcome> RunAsync(SoakSpec spec, ISoakFleet fleet, TimeProvider time, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(progress);
        await using var redis = await SoakRedis.ConnectAsync(fleet.RedisConfiguration, time).ConfigureAwait(false);
        var lookup = new SoakNodeLookup(redis, fleet.KeyPrefix, time);
        var history = new SoakHistory();
        var start = time.GetTimestamp();
        TimeSpan Now() => time.GetElapsedTime(start);
        var settings = new SoakDeviceSettings
        {
            Url = fleet.DeviceUrl,
            Secret = Secret,
            Seed = spec.Seed,
            History = history,
            Time = time,
            Now = Now,
            LookupNode = lookup.FindAsync,
        };
        var devices = Enumerable.Range(0, spec.Devices).Select(i => new SoakDevice(settings, i)).ToList();
        using var stop = new CancellationTokenSource();
        var running = devices.Select(d => Task.Run(() => d.RunAsync(stop.Token), CancellationToken.None)).ToList();
        var plan = SoakFaultPlan.Create(spec.Seed, spec.Duration, fleet.Bounds.Nodes, SoakFleetShape.Stubs);
        var faults = Task.Run(() => InjectAsync(plan, fleet, history, time, Now, progress), CancellationToken.None);
        await Task.Delay(spec.Duration, time).ConfigureAwait(false);
        await faults.ConfigureAwait(false);
        progress.WriteLine($"[{Now().TotalSeconds,6:F1} s] soak: stopping the devices");
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).WaitAsync(DevicesStopLimit, time).ConfigureAwait(false);
        var end = Now();
        await Task.WhenAll(devices.Select(d => d.FinishAsync())).ConfigureAwait(false);
        var leftovers = await SoakKeys.ReadAsync(redis, fleet.KeyPrefix).ConfigureAwait(false);
        var report = SoakChecker.Check(history, leftovers, fleet.Bounds, end);
        return new SoakOutcome(report, plan, leftovers.Count);
    }

    private static async Task InjectAsync(
        IReadOnlyList<SoakFault> plan, ISoakFleet fleet, SoakHistory history, TimeProvider time, Func<TimeSpan> now, TextWriter progress)
    {
        foreach (var fault in plan)
        {
            var wait = fault.At - now();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time).ConfigureAwait(false);
            }

            progress.WriteLine($"[{now().TotalSeconds,6:F1} s] soak: {fault.Kind} {fault.Target}");
            await fleet.InjectAsync(fault, history, now).ConfigureAwait(false);
        }
    }
}
