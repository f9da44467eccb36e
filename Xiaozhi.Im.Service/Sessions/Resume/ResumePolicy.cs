using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions.Resume;

/// <summary>
/// When a session stops trying to resume, decided here and nowhere else: whether to resume at all, the limits of the
/// frames held while no stream is open, the deadline of a resume, and — once the session gives up — the one
/// <see cref="ResumeOutcome"/> (reason and frames dropped) that the close, the log and the drop counter all take. Giving
/// up commits once (the first reason wins, as a retried gRPC call commits once); what is lost later (a device frame
/// arriving after it, frames left when the session ends) is counted here too. One per session.
/// </summary>
internal sealed partial class ResumePolicy
{
    private readonly Lock _gate = new();
    private readonly ResumeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ImMetrics _metrics;
    private readonly ILogger _logger;
    private long _deadline;
    private ResumeOutcome? _gaveUp;

    public ResumePolicy(ResumeOptions options, TimeProvider timeProvider, ImMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The outcome the session gave up with, or null while it has not.</summary>
    public ResumeOutcome? GaveUp
    {
        get
        {
            lock (_gate)
            {
                return _gaveUp;
            }
        }
    }

    /// <summary>Time left before the deadline (zero when passed or never started).</summary>
    public TimeSpan Remaining
    {
        get
        {
            var left = _deadline - _timeProvider.GetTimestamp();
            return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(left / (double)_timeProvider.TimestampFrequency);
        }
    }

    /// <summary>
    /// The stream ended with the device connected. Nothing to resume for when the device is being closed anyway
    /// (<paramref name="draining"/>, or <paramref name="deviceClosing"/>: its close was sent).
    /// </summary>
    public ResumeOutcome OnStreamEnded(bool draining, bool deviceClosing)
    {
        if (GaveUp is { } gaveUp)
        {
            return gaveUp;
        }

        return draining || deviceClosing ? ResumeOutcome.CloseInstead : ResumeOutcome.Resume;
    }

    /// <summary>
    /// A lost stream starts the deadline afresh only when it <paramref name="delivered"/> responses: a service that
    /// accepts streams and ends them at once cannot keep a session resuming forever.
    /// </summary>
    public void StreamLost(bool delivered) => StartDeadline(restart: delivered);

    /// <summary>A move off a working connection always gets the whole deadline.</summary>
    public void MoveStarted() => StartDeadline(restart: true);

    /// <summary>
    /// Whether <paramref name="frame"/> may be held in <paramref name="held"/> (it is then); else the limit it would
    /// break, checked in this order: the oldest frame's age, the frame count, the byte count, the node's budget.
    /// </summary>
    public ResumeDropReason? Hold(ResumeBuffer held, BufferedUplinkFrame frame)
    {
        ArgumentNullException.ThrowIfNull(held);
        if (CheckAge(held) is { } age)
        {
            return age;
        }

        if (held.Count + 1 > _options.MaxHeldFrames)
        {
            return ResumeDropReason.BufferFrames;
        }

        if (held.Bytes + frame.Bytes > _options.MaxHeldBytes)
        {
            return ResumeDropReason.BufferBytes;
        }

        return held.TryAdd(frame) ? null : ResumeDropReason.NodeBudget;
    }

    /// <summary><see cref="ResumeDropReason.BufferAge"/> when the oldest held frame is older than the limit (also checked at attach: frames that waited too long are stale for the AI service).</summary>
    public ResumeDropReason? CheckAge(ResumeBuffer held)
    {
        ArgumentNullException.ThrowIfNull(held);
        return held.TryPeek(out var oldest) && _timeProvider.GetElapsedTime(oldest.ArrivedAt) > _options.MaxBufferAge
            ? ResumeDropReason.BufferAge
            : null;
    }

    /// <summary>
    /// Gives up for <paramref name="reason"/>, once: the held frames, the <paramref name="refused"/> one over a limit, and
    /// the unanswered frames <paramref name="ledger"/> kept for a replay that will not happen now, are dropped and
    /// counted. Returns the committed outcome (a later call returns the first, dropping nothing more). The caller
    /// guards <paramref name="held"/>.
    /// </summary>
    public ResumeOutcome GiveUp(ResumeDropReason reason, ResumeBuffer held, ConversationLedger ledger, int refused = 0)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(ledger);
        ResumeOutcome outcome;
        lock (_gate)
        {
            if (_gaveUp is { } first)
            {
                return first;
            }

            outcome = new ResumeOutcome(ResumeOutcomeKind.GiveUp, reason, held.Clear() + refused + ledger.TakeUnanswered());
            _gaveUp = outcome;
        }

        Count(reason, outcome.Dropped);
        return outcome;
    }

    /// <summary>A device frame that came after the session gave up: lost, counted under the reason it gave up for.</summary>
    public void DropLate()
    {
        if (GaveUp is { Reason: { } reason })
        {
            _metrics.ResumeDropped(reason, 1);
        }
    }

    /// <summary>The session ended: frames still held never went upstream.</summary>
    public void SessionEnded(ResumeBuffer held)
    {
        ArgumentNullException.ThrowIfNull(held);
        var dropped = held.Clear();
        if (dropped > 0)
        {
            Count(ResumeDropReason.SessionEnded, dropped);
        }
    }

    private void StartDeadline(bool restart)
    {
        if (restart || _deadline == 0)
        {
            _deadline = _timeProvider.GetTimestamp() + (long)(_options.Timeout.TotalSeconds * _timeProvider.TimestampFrequency);
        }
    }

    private void Count(ResumeDropReason reason, long dropped)
    {
        _metrics.ResumeDropped(reason, dropped);
        LogDropped(_logger, dropped, reason);
    }

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Dropped {Frames} device frame(s) kept for resume: {Reason}")]
    private static partial void LogDropped(ILogger logger, long frames, ResumeDropReason reason);
}
