using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// One device connection = one session, carried by one ChatStream at a time. Runs the <see cref="UplinkPump"/> (for the
/// session's lifetime) and one <see cref="DownlinkPump"/> run per stream, and supervises them:
/// <list type="bullet">
/// <item>device left → complete the request stream, give the responses <see cref="LimitsOptions.UpstreamDrainTimeout"/>
/// to end, dispose the call;</item>
/// <item>stream ended (any status, OK included) while the device is connected → resume: a synthesized <c>tts stop</c>
/// when the AI was speaking, backoff with jitter, a new stream on a healthy endpoint, the device's last <c>hello</c>
/// (and an open turn's <c>listen start</c>, as far as they reached the AI service) replayed, the reply hello not forwarded, kept frames flushed in order;
/// past <see cref="ResumeOptions.Timeout"/> or a buffer limit → <c>alert</c> + close 1011;</item>
/// <item>the stream's connection received GOAWAY → the same move done proactively, at an idle moment or right when
/// the turn ends, opening the new stream before the old one is completed and drained;</item>
/// <item>host draining → close 1001 when idle or right after the turn in progress ends.</item>
/// </list>
/// What the AI was told and answered is the <see cref="ConversationLedger"/>'s, the move / drain phase the
/// <see cref="SessionState"/>'s, why a move is wanted the <see cref="MoveTriggers"/>', the moves themselves (and the
/// stream the session is on) the <see cref="SessionMover"/>'s.
/// </summary>
internal sealed partial class Session : IDeviceSession
{
    private static readonly TimeSpan HardStopMargin = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly LimitsOptions _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenSource _deviceGone = new();
    private readonly SessionSignal _signal = new();
    private readonly ConversationLedger _ledger;
    private readonly SessionLink _link;
    private readonly UplinkPump _uplink;
    private readonly DownlinkPump _downlink;
    private readonly ResumePolicy _policy;
    private readonly TaskCompletionSource _drainClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SessionState _state = new();
    private readonly MoveTriggers _triggers;
    private readonly SessionMover _mover;
    private readonly DeviceActivityMonitor _activity;

    /// <summary>
    /// Builds the session complete around the accepted <paramref name="socket"/> and its first <paramref name="stream"/>
    /// stream, the device's admission policies (<see cref="DeviceActivityMonitor"/>) included: they watch every message the
    /// uplink reads and act on this session, its writer and what the AI does for it.
    /// </summary>
    internal Session(SessionMetadata metadata, WebSocket socket, AiChatStream stream, SessionSettings settings, SessionNode node)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(node);
        var limits = settings.Limits;
        var resume = settings.Resume;
        var timeProvider = node.Time;
        var loggers = node.Loggers;
        var metrics = node.Metrics;
        Metadata = metadata;
        _socket = socket;
        _limits = limits;
        _timeProvider = timeProvider;
        _logger = loggers.Session;
        _policy = new ResumePolicy(resume, timeProvider, metrics, loggers.Resume);
        _stop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        Writer = new DeviceSocketWriter(socket, loggers.DeviceWriter, limits.DeviceSendTimeout, timeProvider, metrics);
        _ledger = new ConversationLedger(resume.MaxReplayFrames, resume.MaxReplayBytes, loggers.Resume, limits.MaxKeptBytesPerSession, node.Budget);
        _link = new SessionLink(stream, _ledger, _policy, _signal, timeProvider, loggers.Resume, node.Budget);
        _downlink = new DownlinkPump(Writer, metadata, _ledger, OnTurnEnd, timeProvider, loggers.Downlink, metrics);
        _triggers = new MoveTriggers(_state, _signal, _link, timeProvider, settings.Moves, loggers.Resume);
        var reopener = new StreamReopener(node.Streams, resume, _policy, timeProvider, loggers.Resume);
        _mover = new SessionMover(metadata, stream, _link, _ledger, _policy, reopener, _state, _triggers, Writer, _downlink, node, limits, _deviceGone.Token);

        // Last, once everything a policy's close touches exists: its clocks start here.
        _activity = new DeviceActivityMonitor(settings.Admission, limits.CloseTimeout, timeProvider, loggers.Admission, metrics, this, Writer, _downlink.Ai);
        var device = new DeviceConnection(new MonitoredWebSocket(socket, _activity), Writer);
        _uplink = new UplinkPump(device, _link, _ledger, metadata, settings.Uplink, timeProvider, loggers.Uplink, metrics);
    }

    /// <summary>Device frames kept while no upstream stream is open (a gauge for operators).</summary>
    public int BufferedFrames => _link.BufferedFrames;

    /// <summary>Who the session belongs to.</summary>
    public SessionMetadata Metadata { get; }

    /// <inheritdoc />
    public string DeviceId => Metadata.DeviceId;

    /// <inheritdoc />
    public string SessionId => Metadata.SessionId;

    /// <summary>The only writer of the device's WebSocket.</summary>
    public DeviceSocketWriter Writer { get; }

    /// <summary>What the AI last did (the idle policy counts the conversation, not only the device's frames).</summary>
    public AiActivity Ai => _downlink.Ai;

    /// <summary>Runs the session to its end. <paramref name="hostStopping"/> only stops it hard (after the drain time); a graceful stop is <see cref="DrainAsync"/> or <see cref="CloseAsync"/>.</summary>
    public async Task RunAsync(CancellationToken hostStopping)
    {
        var hardStopAfter = _limits.DrainTimeout + _limits.CloseTimeout + HardStopMargin;
        var hardStop = hostStopping.Register(s => ((Session)s!).StopHard(hardStopAfter), this);
        LogSessionStarted(_logger, Metadata.ProtocolVersion, Metadata.UserId is not null, _mover.Stream.Endpoint);
        var token = _stop.Token;
        _triggers.Watch(null, _mover.Stream);
        var uplink = _uplink.RunAsync(token);
        _ = uplink.ContinueWith(static (_, s) => ((Session)s!).OnDeviceGone(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var downlink = _downlink.RunAsync(_mover.Stream, swallowHello: false, token);
        try
        {
            downlink = await SuperviseAsync(uplink, downlink, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            // Not the device's doing nor the AI service's (those end as values): a bug. The device gets a close it can
            // act on instead of a dropped connection, the operator the exception with the session's scope.
            LogSessionFailed(_logger, ex);
            await CloseAsync(DeviceCloseReasons.InternalError).ConfigureAwait(false);
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
            {
                Writer.Abort();
            }

            await Task.WhenAll(Settle(uplink), Settle(downlink)).ConfigureAwait(false);
            Writer.Dispose();
            _activity.Dispose();
            _triggers.Watch(_mover.Stream, null);
            _triggers.Take();
            _mover.Stream.Dispose();
            _link.Close();
            _link.Dispose();
            _ledger.Close(); // its kept bytes go back to the node's budget
            _drainClosed.TrySetResult();
            await hardStop.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
            _deviceGone.Dispose();
            LogSessionEnded(_logger, Writer.SentClose?.ToString() ?? "(none)");
        }
    }

    /// <inheritdoc />
    public async Task CloseAsync(DeviceClose close)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            await Writer.CloseAsync(close, timeout.Token).ConfigureAwait(false);
            // The device's close answer ends the uplink pump; a device that never answers is cut off.
            _stop.CancelAfter(_limits.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The session already ended.
        }
    }

    /// <summary>
    /// Marks the session as draining without waiting: it closes with 1001 as soon as it is idle (at once for a session
    /// that has not started a turn). For a session that registered after the host's drain had taken its snapshot.
    /// </summary>
    public void BeginDrain()
    {
        _state.BeginDrain();
        _signal.Set();
    }

    /// <summary>
    /// Host draining: closes with 1001 at once when idle, else right after the turn in progress ends; completes when the
    /// close was sent (or the session ended). When <paramref name="deadline"/> fires first the session is closed anyway.
    /// </summary>
    public async Task DrainAsync(CancellationToken deadline)
    {
        BeginDrain();
        try
        {
            await _drainClosed.Task.WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainDeadline(_logger);
            await CloseAsync(DeviceCloseReasons.Shutdown).ConfigureAwait(false);
        }
    }

    private async Task<Task<DownlinkEnd>> SuperviseAsync(Task<UplinkEnd> uplink, Task<DownlinkEnd> downlink, CancellationToken token)
    {
        while (true)
        {
            var wake = _signal.Arm();
            if (uplink.IsCompleted)
            {
                var end = await uplink.ConfigureAwait(false);
                if (end == UplinkEnd.UpstreamWriteFailed)
                {
                    await FailAsync(uplink).ConfigureAwait(false);
                }
                else if (end != UplinkEnd.Cancelled)
                {
                    await FinishAfterDeviceLeftAsync(end, downlink).ConfigureAwait(false);
                }

                return downlink;
            }

            if (token.IsCancellationRequested)
            {
                return downlink;
            }

            if (_policy.GaveUp is not null)
            {
                await FailAsync(uplink).ConfigureAwait(false);
                return downlink;
            }

            var draining = _state.IsDraining;
            if (downlink.IsCompleted || _link.IsBroken)
            {
                if (downlink.IsCompleted && (await downlink.ConfigureAwait(false)).Kind == DownlinkEndKind.Cancelled)
                {
                    return downlink;
                }

                if (_policy.OnStreamEnded(draining, Writer.IsClosed).Kind == ResumeOutcomeKind.CloseInstead)
                {
                    // Nothing to resume for: the device is being closed anyway.
                    await CloseForDrainAsync().ConfigureAwait(false);
                    await WaitQuietlyAsync(uplink, _limits.CloseTimeout).ConfigureAwait(false);
                    return downlink;
                }

                downlink = await _mover.ResumeAsync(downlink, token).ConfigureAwait(false) ?? downlink;
                continue;
            }

            if (_state.DrainCloseDue(_ledger.IsIdle))
            {
                await CloseForDrainAsync().ConfigureAwait(false);
                continue;
            }

            if (_state.MoveDue(_ledger.IsIdle))
            {
                downlink = await _mover.MigrateAsync(downlink, token).ConfigureAwait(false) ?? downlink;
                continue;
            }

            await Task.WhenAny(uplink, downlink, wake).ConfigureAwait(false);
        }
    }

    private async Task FinishAfterDeviceLeftAsync(UplinkEnd end, Task<DownlinkEnd> downlink)
    {
        if (end == UplinkEnd.DeviceClosed && _socket.State == WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            await Writer.CloseAsync(DeviceCloseReasons.Normal, timeout.Token).ConfigureAwait(false);
        }

        _link.Detach();
        await _link.WaitForWriteInFlightAsync(_limits.UpstreamDrainTimeout).ConfigureAwait(false);
        await _mover.Stream.CompleteRequestsAsync().ConfigureAwait(false);
        try
        {
            await downlink.WaitAsync(_limits.UpstreamDrainTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            SessionMover.LogDrainTimedOut(_logger, _limits.UpstreamDrainTimeout);
        }
    }

    private async Task CloseForDrainAsync()
    {
        var left = _state.Close();
        if (left == SessionPhase.Closing)
        {
            return;
        }

        if (left is SessionPhase.Draining or SessionPhase.DrainTurnEnded)
        {
            await CloseAsync(DeviceCloseReasons.Shutdown).ConfigureAwait(false);
        }

        _drainClosed.TrySetResult();
    }

    private void OnTurnEnd(bool delivered)
    {
        if (!delivered)
        {
            _triggers.OnUndeliveredTurnEnd();
            return;
        }

        if (_state.TurnEndedDuringDrain())
        {
            _signal.Set();
        }
    }

    private void OnDeviceGone()
    {
        try
        {
            _deviceGone.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _signal.Set();
    }

    private void StopHard(TimeSpan after)
    {
        try
        {
            _stop.CancelAfter(after);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task FailAsync(Task<UplinkEnd> uplink)
    {
        await _mover.FailAsync().ConfigureAwait(false);
        await WaitQuietlyAsync(uplink, _limits.CloseTimeout).ConfigureAwait(false);
    }

    private async Task WaitQuietlyAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private static async Task Settle(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Both pumps report their ends as values; anything else was logged where it happened.
        }
    }
}
