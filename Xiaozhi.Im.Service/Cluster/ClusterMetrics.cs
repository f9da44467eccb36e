using System.Diagnostics.Metrics;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The cluster's instruments, on the IM's meter (only registered when <c>Cluster:Redis</c> is set).</summary>
internal sealed class ClusterMetrics
{
    private readonly Counter<long> _claims;
    private readonly Counter<long> _kicks;
    private readonly Counter<long> _repairs;

    public ClusterMetrics(IMeterFactory meterFactory, IClusterStore store)
    {
        var meter = meterFactory.Create(ImTelemetry.Name);
        meter.CreateObservableGauge("xiaozhi.im.cluster.store.up", () => store.IsUp ? 1 : 0, "1", "1 while the cluster's Redis answers.");
        _claims = meter.CreateCounter<long>("xiaozhi.im.cluster.claims", "{claim}", "Device ownership claims at upgrade, by outcome.");
        _kicks = meter.CreateCounter<long>("xiaozhi.im.cluster.kicks", "{kick}", "Kicks sent to another session's node or received from one, by direction and result.");
        _repairs = meter.CreateCounter<long>("xiaozhi.im.cluster.repairs", "{repair}", "Fixes made by the periodic refresh, by kind.");
    }

    public void Claim(ClaimOutcome outcome) => _claims.Add(1, new KeyValuePair<string, object?>("outcome", Label(outcome)));

    public void Kick(KickDirection direction, KickResult result) =>
        _kicks.Add(1, new KeyValuePair<string, object?>("direction", direction == KickDirection.Sent ? "sent" : "received"), new KeyValuePair<string, object?>("result", Label(result)));

    public void Repair(RepairKind kind) => _repairs.Add(1, new KeyValuePair<string, object?>("kind", Label(kind)));

    // The label values are part of the dashboards' contract (docs/cluster.md): spelled out, never derived from names.
    private static string Label(ClaimOutcome outcome) => outcome switch
    {
        ClaimOutcome.Claimed => "claimed",
        ClaimOutcome.Replaced => "replaced",
        ClaimOutcome.TakenOver => "taken_over",
        ClaimOutcome.Rejected => "rejected",
        _ => "deferred",
    };

    private static string Label(KickResult result) => result switch
    {
        KickResult.Delivered => "delivered",
        KickResult.OwnerGone => "owner_gone",
        KickResult.Closed => "closed",
        _ => "stale",
    };

    private static string Label(RepairKind kind) => kind switch
    {
        RepairKind.ClosedStale => "closed_stale",
        RepairKind.Reclaimed => "reclaimed",
        _ => "took_older",
    };
}
