using System.Diagnostics;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>
/// Notes a pump's device or AI messages as events on the current span: only on a span that is recorded (sampled for an
/// exporter), and at most <see cref="MaxPerSpan"/> per span. A session's span lives as long as its WebSocket, and
/// without a trace listener the current activity is ASP.NET Core's request activity, which nobody exports; events kept
/// on either grew with every message of a long session. One per pump (a pump runs its messages in order).
/// </summary>
/// <remarks>
/// Event names come from a fixed set (<see cref="EventName"/>): a name made from the device's own <c>type</c> would
/// keep whatever it wrote (60 frames with a 1 MiB type pinned ~150 MB for the session's life).
/// </remarks>
internal sealed class SpanEvents
{
    /// <summary>Events kept per span at most (OpenTelemetry's default span event limit).</summary>
    public const int MaxPerSpan = 128;

    private static readonly Dictionary<string, Dictionary<string, string>> KnownNames = new(StringComparer.Ordinal)
    {
        ["device"] = NamesFor("device"),
        ["ai"] = NamesFor("ai"),
    };

    private Activity? _span;
    private int _count;

    /// <summary>Notes one message, <c>"{direction} {type}"</c>, when the current span is recorded and has room.</summary>
    public void Add(string direction, JsonMessageType type)
    {
        if (Activity.Current is not { Recorded: true } span)
        {
            return;
        }

        if (!ReferenceEquals(span, _span))
        {
            _span = span;
            _count = 0;
        }

        if (_count == MaxPerSpan)
        {
            return;
        }

        _count++;
        span.AddEvent(new ActivityEvent(EventName(direction, type)));
    }

    /// <summary>
    /// <c>"{direction} {type}"</c> (direction <c>device</c> or <c>ai</c>) for a known type, else a fixed label for the frame's shape (<c>"device (other
    /// type)"</c>): one of a few strings allocated once, whatever the frame held.
    /// </summary>
    public static string EventName(string direction, JsonMessageType type)
    {
        var names = KnownNames[direction];
        return type.Shape switch
        {
            JsonMessageShape.Typed when names.TryGetValue(type.Type!, out var known) => known,
            JsonMessageShape.Typed => names[OtherType],
            JsonMessageShape.NoType => names[NoType],
            JsonMessageShape.TypeNotString => names[TypeNotString],
            _ => names[NotJson],
        };
    }

    // Keys that no real type can collide with (they hold spaces and parentheses).
    private const string OtherType = "(other type)";
    private const string NoType = "(json without type)";
    private const string TypeNotString = "(json with non-string type)";
    private const string NotJson = "(not json)";

    private static Dictionary<string, string> NamesFor(string direction)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in KnownMessageTypes.All.Append(OtherType).Append(NoType).Append(TypeNotString).Append(NotJson))
        {
            names[label] = direction + " " + label;
        }

        return names;
    }
}
