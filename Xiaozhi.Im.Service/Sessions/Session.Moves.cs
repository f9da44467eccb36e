using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

// The session's moves to a new stream: a resume after its stream ended, a migration off a connection going away, and
// the failure when no stream could be had. The supervisor (Session.cs) decides when, the ResumePolicy when to stop
// trying; this part does it.
internal sealed partial class Session
{
    private async Task<Task<DownlinkEnd>?> ResumeAsync(Task<DownlinkEnd> downlink, CancellationToken token)
    {
        var old = _stream;
        _link.Detach();
        await _link.WaitForWriteInFlightAsync(_limits.UpstreamDrainTimeout).ConfigureAwait(false);
        old.Dispose();
        var end = await SettleDownlink(downlink).ConfigureAwait(false);
        _state.MoveStarted();
        TakeMoveCauses();

        var now = _timeProvider.GetTimestamp();
        _policy.StreamLost(delivered: end.Responses > 0);

        LogResuming(_resumeLogger, old.EndLogLevel(DownlinkPump.FailureLevel(end.Status)), end.Kind, end.Status, old.Endpoint, _link.BufferedFrames);
        if (_ledger.Speaking)
        {
            LogSynthesizedTtsStop(_resumeLogger);
            _metrics.TtsStopSynthesized();
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
            await Writer.SendTextAsync(SynthesizedServerMessages.TtsStop, linked.Token).ConfigureAwait(false);
            _ledger.StopSpeaking();
        }

        var (next, replayedHello) = await OpenAndAttachAsync(immediate: false, afterLostStream: true, token).ConfigureAwait(false);
        if (next is null)
        {
            return null;
        }

        Watch(old, next);
        _stream = next;
        _metrics.Resume(succeeded: true, _timeProvider.GetElapsedTime(now));
        LogResumed(_resumeLogger, old.EndLogLevel(LogLevel.Information), next.Endpoint, _timeProvider.GetElapsedTime(now));
        if (_ledger.TakeRequestLost() && !Writer.IsClosed)
        {
            // Before the new stream's responses: the device learns its last request will get no answer.
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
            await Writer.SendAlertAsync(DeviceAlertMessages.RequestLost, linked.Token).ConfigureAwait(false);
        }

        return _downlink.RunAsync(next, replayedHello, token);
    }

    private async Task<Task<DownlinkEnd>?> MigrateAsync(Task<DownlinkEnd> oldDownlink, CancellationToken token)
    {
        _state.MoveStarted();
        var (causes, departure) = TakeMoveCauses();
        var reason = MoveReason(causes, departure);

        // Past Ai:Moves:GoAwayBusyLimit the turn in progress cannot finish on the old stream before the server closes it:
        // it is handled as if the stream were lost now (the utterance or unanswered request replayed on the new stream).
        var cut = (causes & MoveCauses.GoAwayBusyLimit) != 0;
        var old = _stream;
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
        Watch(old, next);
        _stream = next;
        if (cut)
        {
            await TellAnswerCutAsync(token).ConfigureAwait(false);
        }

        _metrics.Migrated();
        _metrics.Moved(reason);
        LogMigrated(_resumeLogger, next.Endpoint, _timeProvider.GetElapsedTime(started));
        return _downlink.RunAsync(next, replayedHello, token);
    }

    /// <summary>
    /// After a move that cut the old stream: a device whose answer was still coming is told (an alert, then the
    /// <c>tts stop</c> it waits for), and one whose request could not be replayed gets the request-lost alert.
    /// </summary>
    private async Task TellAnswerCutAsync(CancellationToken token)
    {
        if (Writer.IsClosed)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
        if (_ledger.Speaking)
        {
            LogSynthesizedTtsStop(_resumeLogger);
            _metrics.TtsStopSynthesized();
            await Writer.SendAlertAsync(DeviceAlertMessages.AnswerCut, linked.Token).ConfigureAwait(false);
            await Writer.SendTextAsync(SynthesizedServerMessages.TtsStop, linked.Token).ConfigureAwait(false);
            _ledger.StopSpeaking();
        }

        if (_ledger.TakeRequestLost())
        {
            await Writer.SendAlertAsync(DeviceAlertMessages.RequestLost, linked.Token).ConfigureAwait(false);
        }
    }

    /// <summary>A new stream with the replay and the kept frames written, or null (past the deadline the upstream fails).</summary>
    private async Task<(AiChatStream? Stream, bool ReplayedHello)> OpenAndAttachAsync(bool immediate, bool afterLostStream, CancellationToken token)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, _link.FailedToken, _deviceGone.Token);
        var replayedHello = false;
        var result = await _reopener.ReopenAsync(Metadata, immediate, AttachAsync, linked.Token).ConfigureAwait(false);
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

    private async Task FailAsync(Task<UplinkEnd> uplink)
    {
        // The outcome the upstream already failed with (a limit or the deadline); it is committed once.
        var outcome = _link.Fail(ResumeDropReason.ResumeTimeout);
        _metrics.Resume(succeeded: false, TimeSpan.Zero);
        LogResumeFailed(_resumeLogger, outcome.Reason ?? ResumeDropReason.ResumeTimeout);
        if (!Writer.IsClosed)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            await Writer.SendAlertAsync(DeviceAlertMessages.UpstreamFailed, timeout.Token).ConfigureAwait(false);
            await Writer.CloseAsync(DeviceCloseReasons.ResumeFailed(outcome.DeviceReason), timeout.Token).ConfigureAwait(false);
        }

        await WaitQuietlyAsync(uplink, _limits.CloseTimeout).ConfigureAwait(false);
    }
}
