using System.Diagnostics;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>
/// Notes a pump's device or AI messages as events on the current span: only on a span that is recorded (sampled for an
/// exporter), and at most <see cref="MaxPerSpan"/> per span. A session's span lives as long as its WebSocket, and
/// without a trace listener the current activity is ASP.NET Core's request activity, which nobody exports; events kept
/// on either grew with every message of a long session. One per pump (a pump runs its messages in order).
/// </summary>
internal sealed class SpanEvents
{
    /// <summary>Events kept per span at most (OpenTelemetry's default span event limit).</summary>
    public const int MaxPerSpan = 128;

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
        span.AddEvent(new ActivityEvent(direction + " " + (type.Type ?? type.Shape.ToString())));
    }
}
