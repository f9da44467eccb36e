using System.Diagnostics.Metrics;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Cluster;

/// <summary>The cluster's instruments, on the IM's meter (only registered when <c>Cluster:Redis</c> is set).</summary>
internal sealed class ClusterMetrics
{
    private readonly Counter<long> _claims;
    private readonly Counter<long> _kicks;
    private readonly Counter<long> _repairs;

    public ClusterMetrics(IMeterFactory meterFactory, ClusterStore store)
    {
        var meter = meterFactory.Create(ImTelemetry.Name);
        meter.CreateObservableGauge("xiaozhi.im.cluster.store.up", () => store.IsUp ? 1 : 0, "1", "1 while the cluster's Redis answers.");
        _claims = meter.CreateCounter<long>("xiaozhi.im.cluster.claims", "{claim}", "Device ownership claims at upgrade, by outcome.");
        _kicks = meter.CreateCounter<long>("xiaozhi.im.cluster.kicks", "{kick}", "Kicks sent to another session's node or received from one, by direction and result.");
        _repairs = meter.CreateCounter<long>("xiaozhi.im.cluster.repairs", "{repair}", "Fixes made by the periodic refresh, by kind.");
    }

    /// <summary>claimed, replaced, taken_over (the owner's node was gone), rejected (409), deferred (Redis down or slow).</summary>
    public void Claim(string outcome) => _claims.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>direction sent (result delivered / owner_gone) or received (result closed / stale).</summary>
    public void Kick(string direction, string result) =>
        _kicks.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("result", result));

    /// <summary>closed_stale (a newer owner: our session closed), reclaimed (key was gone), took_older (duplicate after an outage).</summary>
    public void Repair(string kind) => _repairs.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
