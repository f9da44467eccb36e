using System.Globalization;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// Reads the devices' histories after a run and holds them to the soak's rules (docs: no silent loss, no duplicate
/// session past its bound, reconnects answered within 2 s while a node is up, no key past its TTL). Pure: no I/O.
/// </summary>
internal static class SoakChecker
{
    public const string ReplacedReason = "replaced by a new connection for this device";

    public static SoakReport Check(SoakHistory history, IReadOnlyList<LeftoverKey> leftovers, SoakBounds bounds, TimeSpan runEnd)
    {
        var faults = history.Faults;
        var violations = new List<SoakViolation>();
        var turns = new TurnTally();
        var windows = new List<DuplicateWindow>();
        var reconnects = new List<ReconnectTime>();
        foreach (var device in history.Devices)
        {
            var events = device.Events();
            CheckTurns(device.DeviceId, events, faults, turns, violations);
            CheckDuplicates(device.DeviceId, events, faults, bounds, runEnd, windows, violations);
            CheckReconnects(device.DeviceId, events, faults, bounds, runEnd, reconnects, violations);
        }

        CheckKeys(leftovers, bounds, violations);
        return new SoakReport
        {
            Faults = faults,
            Turns = turns.Turns,
            Completed = turns.Completed,
            Told = turns.Told,
            CutByFault = turns.CutByFault,
            AbandonedByDevice = turns.Abandoned,
            SilentLosses = turns.Silent,
            DuplicateWindows = windows,
            Reconnects = reconnects,
            Violations = [.. violations.OrderBy(v => v.At)],
        };
    }

    /// <summary>Every turn completed correctly, or its device was told, or a fault that cannot tell cut it.</summary>
    private static void CheckTurns(string deviceId, IReadOnlyList<DeviceEvent> events, IReadOnlyList<FaultInjected> faults, TurnTally tally, List<SoakViolation> violations)
    {
        var nodes = events.OfType<Connected>().ToDictionary(c => c.Connection, c => c.NodeId);
        var starts = events.OfType<TurnStarted>().ToList();
        foreach (var start in starts)
        {
            tally.Turns++;
            // The turn's span: until the next turn starts on the same connection.
            var next = starts.FirstOrDefault(s => s.Connection == start.Connection && s.At >= start.At && s != start && s.Turn != start.Turn);
            var during = events.Where(e => e.Connection == start.Connection && e.At >= start.At && (next is null || e.At < next.At)).ToList();
            var told = during.FirstOrDefault(e => e is AlertReceived || e is Closed { Code: not null, Reason.Length: > 0 });
            var completed = during.OfType<TurnCompleted>().FirstOrDefault(e => e.Turn == start.Turn);
            if (completed is not null)
            {
                var types = during.OfType<AnswerFrame>().Where(f => f.Turn == start.Turn && f.TextType is not null && f.At <= completed.At).Select(f => f.TextType!).ToList();
                var wrong = !types.SequenceEqual(start.ExpectedTextTypes, StringComparer.Ordinal)
                    ? $"text types [{string.Join(", ", types)}], expected [{string.Join(", ", start.ExpectedTextTypes)}]"
                    : completed.AudioHash != start.ExpectedAudioHash ? $"audio hash {completed.AudioHash}, expected {start.ExpectedAudioHash}" : null;
                if (wrong is null)
                {
                    tally.Completed++;
                }
                else if (told is not null)
                {
                    tally.Tell(told);
                }
                else
                {
                    tally.Silent++;
                    violations.Add(new(SoakRule.SilentLoss, deviceId, start.At, $"turn {start.Turn} on connection {start.Connection} completed with a wrong answer and no alert: {wrong}"));
                }

                continue;
            }

            // Whatever reaches a connection after its device walked away from it is not an answer to the turn.
            var abandoned = during.OfType<Abandoned>().FirstOrDefault();
            if (abandoned is not null && (told is null || abandoned.At <= told.At))
            {
                tally.Abandoned++;
                continue;
            }

            if (told is not null)
            {
                tally.Tell(told);
                continue;
            }

            var cut = during.OfType<Closed>().FirstOrDefault();
            var fault = cut is null || !nodes.TryGetValue(start.Connection, out var node) ? null : faults.FirstOrDefault(f =>
                f.Kind == FaultKind.NodeKilled && f.Target == node && f.At <= cut.At && (f.Until is null || f.Until >= start.At));
            if (fault is not null)
            {
                tally.CutByFault[$"{fault.Kind} {fault.Target}"] = tally.CutByFault.GetValueOrDefault($"{fault.Kind} {fault.Target}") + 1;
                continue;
            }

            tally.Silent++;
            violations.Add(new(SoakRule.SilentLoss, deviceId, start.At, cut is null
                ? $"turn {start.Turn} on connection {start.Connection}: no answer, no alert, no close"
                : $"turn {start.Turn} on connection {start.Connection}: closed ({cut.Code?.ToString(CultureInfo.InvariantCulture) ?? "no close frame"}) without a reason and no fault to explain it"));
        }
    }

    /// <summary>Two live sessions of a device only within the bound: 1 s after the new one, or after a Redis outage its own bound.</summary>
    private static void CheckDuplicates(
        string deviceId, IReadOnlyList<DeviceEvent> events, IReadOnlyList<FaultInjected> faults, SoakBounds bounds, TimeSpan runEnd,
        List<DuplicateWindow> windows, List<SoakViolation> violations)
    {
        var live = events.OfType<Connected>()
            .Select(c => (c.Connection, From: c.At, Close: events.OfType<Closed>().FirstOrDefault(e => e.Connection == c.Connection && e.At >= c.At)))
            .OrderBy(s => s.From)
            .ToList();
        for (var j = 1; j < live.Count; j++)
        {
            var newer = live[j];
            for (var i = 0; i < j; i++)
            {
                var older = live[i];
                var olderEnd = older.Close?.At ?? runEnd;
                if (olderEnd <= newer.From)
                {
                    continue;
                }

                var deadline = newer.From + bounds.Replace;
                foreach (var outage in faults.Where(f => f.Kind == FaultKind.RedisPrimaryKilled && f.Overlaps(newer.From, newer.From + bounds.Replace)))
                {
                    var after = outage.Until is { } until ? until + bounds.AfterOutage : runEnd;
                    deadline = after > deadline ? after : deadline;
                }

                var closedBy = older.Close is { } close ? $"{close.Code?.ToString(CultureInfo.InvariantCulture) ?? "no close frame"} {close.Reason}".TrimEnd() : "still open at the end";
                windows.Add(new DuplicateWindow(deviceId, newer.From, olderEnd, deadline, closedBy));
                if (olderEnd > deadline)
                {
                    violations.Add(new(SoakRule.DuplicateSession, deviceId, newer.From,
                        $"connection {older.Connection} stayed live {(olderEnd - newer.From).TotalMilliseconds:F0} ms after connection {newer.Connection} connected (bound {(deadline - newer.From).TotalMilliseconds:F0} ms; {closedBy})"));
                }
            }
        }
    }

    /// <summary>Each reconnect (every connect sequence after the device's first) answered within the bound while a node is up.</summary>
    private static void CheckReconnects(
        string deviceId, IReadOnlyList<DeviceEvent> events, IReadOnlyList<FaultInjected> faults, SoakBounds bounds, TimeSpan runEnd,
        List<ReconnectTime> reconnects, List<SoakViolation> violations)
    {
        ConnectAttempt? first = null;
        var failures = new List<string>();
        var sequences = 0;
        foreach (var e in events)
        {
            switch (e)
            {
                case ConnectAttempt attempt when first is null:
                    first = attempt;
                    failures.Clear();
                    break;
                case ConnectFailed failed when first is not null:
                    failures.Add(failed.Reason);
                    break;
                case HelloAnswered answered when first is not null:
                    if (sequences++ > 0)
                    {
                        Record(first, answered.At, answered: true);
                    }

                    first = null;
                    break;
            }
        }

        if (first is not null && sequences > 0)
        {
            Record(first, runEnd, answered: false);
        }

        void Record(ConnectAttempt start, TimeSpan end, bool answered)
        {
            var elapsed = end - start.At;
            var attempts = events.OfType<ConnectAttempt>().Count(a => a.At >= start.At && a.At <= end);
            var during = faults.Where(f => f.Overlaps(start.At, end)).Select(f => f.ToString()).ToList();
            var cause = $"{attempts} attempt(s)"
                + (failures.Count > 0 ? "; failed: " + string.Join("; ", failures) : string.Empty)
                + (during.Count > 0 ? "; faults in effect: " + string.Join("; ", during) : "; no fault in effect")
                + (answered ? string.Empty : "; never answered");
            reconnects.Add(new ReconnectTime(deviceId, start.At, elapsed, answered, cause));
            if (elapsed > bounds.Hello && !AllNodesDownWithin(faults, bounds.Nodes, start.At, start.At + bounds.Hello))
            {
                violations.Add(new(SoakRule.SlowHello, deviceId, start.At,
                    $"hello {(answered ? "answered" : "unanswered")} after {elapsed.TotalMilliseconds:F0} ms (bound {bounds.Hello.TotalMilliseconds:F0} ms, a node was up): {cause}"));
            }
        }
    }

    /// <summary>Whether at some moment in the span every node was killed or drained.</summary>
    private static bool AllNodesDownWithin(IReadOnlyList<FaultInjected> faults, int nodes, TimeSpan from, TimeSpan to)
    {
        var down = faults.Where(f => f.Kind is FaultKind.NodeKilled or FaultKind.NodeDrained).ToList();
        var moments = down.Select(f => f.At).Where(t => t > from && t <= to).Prepend(from);
        return moments.Any(t => down.Where(f => f.ActiveAt(t)).Select(f => f.Target).Distinct(StringComparer.Ordinal).Count() >= nodes);
    }

    /// <summary>No device or node key outlives its TTL: each expires, within its TTL of its last write.</summary>
    private static void CheckKeys(IReadOnlyList<LeftoverKey> leftovers, SoakBounds bounds, List<SoakViolation> violations)
    {
        foreach (var key in leftovers)
        {
            var ttl = key.Kind == KeyKind.Device ? bounds.DeviceKeyTtl : bounds.NodeKeyTtl;
            var problem = key.RemainingTtl is not { } remaining ? "has no expiry"
                : key.Age > ttl ? $"is {key.Age.TotalSeconds:F1} s old, past its TTL of {ttl.TotalSeconds:F1} s"
                : key.Age + remaining > ttl ? $"will live {(key.Age + remaining).TotalSeconds:F1} s, past its TTL of {ttl.TotalSeconds:F1} s"
                : null;
            if (problem is not null)
            {
                violations.Add(new(SoakRule.KeyOutlivedTtl, key.Key, TimeSpan.Zero, $"{key.Kind} key {problem}"));
            }
        }
    }
}
