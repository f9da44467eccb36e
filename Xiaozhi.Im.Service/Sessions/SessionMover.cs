using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// A session's moves to a new stream: a resume after its stream ended, a migration off a connection going away or an
/// endpoint being left, and the failure when no stream could be had. The session's supervisor decides when, the
/// <see cref="ResumePolicy"/> when to stop trying, <see cref="MoveTriggers"/> why; this type does it and holds the
/// stream the session is on.
/// </summary>
internal sealed partial class SessionMover
{
    private readonly SessionMetadata _metadata;
    private readonly SessionLink _link;
    private readonly ConversationLedger _ledger;
    private readonly ResumePolicy _policy;
    private readonly StreamReopener _reopener;
    private readonly SessionState _state;
    private readonly MoveTriggers _triggers;
    private readonly DeviceSocketWriter _writer;
    private readonly DownlinkPump _downlink;
    private readonly Telemetry.ImMetrics _metrics;
    private readonly LimitsOptions _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ILogger _resumeLogger;
    private readonly CancellationToken _deviceGone;

    public SessionMover(
        SessionMetadata metadata,
        AiChatStream stream,
        SessionLink link,
        ConversationLedger ledger,
        ResumePolicy policy,
        StreamReopener reopener,
        SessionState state,
        MoveTriggers triggers,
        DeviceSocketWriter writer,
        DownlinkPump downlink,
        SessionNode node,
        LimitsOptions limits,
        CancellationToken deviceGone)
    {
        _metadata = metadata;
        Stream = stream;
        _link = link;
        _ledger = ledger;
        _policy = policy;
        _reopener = reopener;
        _state = state;
        _triggers = triggers;
        _writer = writer;
        _downlink = downlink;
        _metrics = node.Metrics;
        _limits = limits;
        _timeProvider = node.Time;
        _logger = node.Loggers.Session;
        _resumeLogger = node.Loggers.Resume;
        _deviceGone = deviceGone;
    }

    /// <summary>The stream the session is on; replaced only by a move that got a new one.</summary>
    public AiChatStream Stream { get; private set; }

    public async Task<Task<DownlinkEnd>?> ResumeAsync(Task<DownlinkEnd> downlink, CancellationToken token)
    {
        var old = Stream;
        _link.Detach();
        await _link.WaitForWriteInFlightAsync(_limits.UpstreamDrainTimeout).ConfigureAwait(false);
        old.Dispose();
        var end = await SettleDownlink(downlink).ConfigureAwait(false);
        _state.MoveStarted();
        _triggers.Take();

        var now = _timeProvider.GetTimestamp();
        _policy.StreamLost(delivered: end.Responses > 0);

        LogResuming(_resumeLogger, old.EndLogLevel(DownlinkPump.FailureLevel(end.Status)), end.Kind, end.Status, old.Endpoint, _link.BufferedFrames);

        // Told now, not after the resume: the request being answered is not replayed, so no stream will finish it.
        await TellAnswerCutAsync(DeviceAlertMessages.AnswerLost, old.Endpoint, "stream lost", token).ConfigureAwait(false);

        var (next, replayedHello) = await OpenAndAttachAsync(immediate: false, afterLostStream: true, token).ConfigureAwait(false);
        if (next is null)
        {
            return null;
        }

        _triggers.Watch(old, next);
        Stream = next;
        _metrics.Resume(succeeded: true, _timeProvider.GetElapsedTime(now));
        LogResumed(_resumeLogger, old.EndLogLevel(LogLevel.Information), next.Endpoint, _timeProvider.GetElapsedTime(now));
        if (_ledger.TakeRequestLost() && !_writer.IsClosed)
        {
            // Before the new stream's responses: the device learns its last request will get no answer.
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
            await _writer.SendAlertAsync(DeviceAlertMessages.RequestLost, linked.Token).ConfigureAwait(false);
        }

        return _downlink.RunAsync(next, replayedHello, token);
    }

    public async Task<Task<DownlinkEnd>?> MigrateAsync(Task<DownlinkEnd> oldDownlink, CancellationToken token)
    {
        _state.MoveStarted();
        var (causes, departure) = _triggers.Take();
        var reason = MoveTriggers.ReasonOf(causes, departure);

        // Past Ai:Moves:GoAwayBusyLimit the turn in progress cannot finish on the old stream before the server closes it:
        // it is handled as if the stream were lost now (the utterance or unanswered request replayed on the new stream).
        var cut = (causes & MoveCauses.GoAwayBusyLimit) != 0;
        var old = Stream;
        var started = _timeProvider.GetTimestamp();
        LogMigrating(_resumeLogger, old.Endpoint, reason);
        _link.Detach();
        await _link.WaitForWriteInFlightAsync(_limits.UpstreamDrainTimeout).ConfigureAwait(false);
        await old.CompleteRequestsAsync().ConfigureAwait(false);
        _policy.MoveStarted();

        var (next, replayedHello) = await OpenAndAttachAsync(immediate: true, afterLostStream: cut, token).ConfigureAwait(false);
        if (next is null)
        {
            old.Dispose();
            await SettleDownlink(oldDownlink).ConfigureAwait(false);
            return null;
        }

        // The old stream's last responses reach the device first, in order; the new stream's wait in flow control.
        try
        {
            if (!cut)
            {
                await oldDownlink.WaitAsync(_limits.UpstreamDrainTimeout, _timeProvider).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(_logger, _limits.UpstreamDrainTimeout);
        }

        old.Dispose();
        await SettleDownlink(oldDownlink).ConfigureAwait(false);
        _triggers.Watch(old, next);
        Stream = next;

        // Cut at the busy limit, or an answer that began after the quiet moment and outlasted the drain: either way its
        // rest went with the old stream.
        await TellAnswerCutAsync(DeviceAlertMessages.AnswerCut, old.Endpoint, cut ? "moved at the GOAWAY busy limit" : "moved, drain timed out", token).ConfigureAwait(false);
        if (cut && _ledger.TakeRequestLost() && !_writer.IsClosed)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
            await _writer.SendAlertAsync(DeviceAlertMessages.RequestLost, linked.Token).ConfigureAwait(false);
        }

        _metrics.Migrated();
        _metrics.Moved(reason);
        LogMigrated(_resumeLogger, next.Endpoint, _timeProvider.GetElapsedTime(started));
        return _downlink.RunAsync(next, replayedHello, token);
    }

    /// <summary>No stream could be had (a limit or the deadline): the device gets an alert and a close 1011.</summary>
    public async Task FailAsync()
    {
        // The outcome the upstream already failed with; it is committed once.
        var outcome = _link.Fail(ResumeDropReason.ResumeTimeout);
        _metrics.Resume(succeeded: false, TimeSpan.Zero);
        LogResumeFailed(_resumeLogger, outcome.Reason ?? ResumeDropReason.ResumeTimeout);
        if (!_writer.IsClosed)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            await _writer.SendAlertAsync(DeviceAlertMessages.UpstreamFailed, timeout.Token).ConfigureAwait(false);
            await _writer.CloseAsync(DeviceCloseReasons.ResumeFailed(outcome.DeviceReason), timeout.Token).ConfigureAwait(false);
        }
    }

    private static async Task<DownlinkEnd> SettleDownlink(Task<DownlinkEnd> downlink)
    {
        try
        {
            return await downlink.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return new DownlinkEnd(DownlinkEndKind.Failed, StatusCode.Unavailable);
        }
    }

    /// <summary>
    /// The one place a device is told its answer was cut (a lost stream, or a move that could not wait for the answer):
    /// when the AI was answering (<see cref="ConversationLedger.Answering"/>), an alert with <paramref name="message"/>,
    /// then the <c>tts stop</c> the firmware needs to leave speaking; logged (4009) and counted. A turn that ended, or a
    /// request still unanswered (replayed on the new stream), is not a cut answer: nothing is sent.
    /// </summary>
    private async Task TellAnswerCutAsync(string message, Uri endpoint, string cause, CancellationToken token)
    {
        var speaking = _ledger.Speaking;
        if (!_ledger.Answering)
        {
            return;
        }

        LogAnswerCut(_resumeLogger, speaking, endpoint, cause);
        _metrics.AnswerCut();
        _metrics.TtsStopSynthesized();
        if (!_writer.IsClosed)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
            await _writer.SendAlertAsync(message, linked.Token).ConfigureAwait(false);
            await _writer.SendTextAsync(SynthesizedServerMessages.TtsStop, linked.Token).ConfigureAwait(false);
        }

        _ledger.StopSpeaking();
    }

    /// <summary>A new stream with the replay and the kept frames written, or null (past the deadline the upstream fails).</summary>
    private async Task<(AiChatStream? Stream, bool ReplayedHello)> OpenAndAttachAsync(bool immediate, bool afterLostStream, CancellationToken token)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, _link.FailedToken, _deviceGone);
        var replayedHello = false;
        var result = await _reopener.ReopenAsync(_metadata, immediate, AttachAsync, linked.Token).ConfigureAwait(false);
        if (result.IsTimedOut)
        {
            _link.Fail(ResumeDropReason.ResumeTimeout);
        }

        return (result.Stream, result.Stream is not null && replayedHello);

        async Task<bool> AttachAsync(AiChatStream stream, TimeSpan remaining, CancellationToken cancellationToken)
        {
            var replay = _ledger.BuildReplay(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), afterLostStream, out replayedHello);

            // With a replayed hello every AI service answers (headers with its hello): wait for that before flushing.
            Func<CancellationToken, Task>? confirm = replayedHello
                ? ct => stream.ConfirmAcceptedAsync(remaining, _timeProvider, ct)
                : null;
            return await _link.AttachAsync(stream, replay, confirm, cancellationToken).ConfigureAwait(false);
        }
    }
}
