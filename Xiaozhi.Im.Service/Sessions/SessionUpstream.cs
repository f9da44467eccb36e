using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The session's way upstream, which survives its ChatStreams. While a stream is attached the uplink writes straight
/// to it (awaited: HTTP/2 flow control is the back-pressure); when the stream broke or is being replaced, frames are
/// kept in order in a bounded <see cref="ResumeBuffer"/> until the supervisor attaches the next stream, which first
/// gets the replayed frames and then the kept ones. A stream has one writer at a time: the uplink after attach, the
/// supervisor before. Past a buffer limit (or the resume timeout) the upstream fails: every kept frame, and every
/// unanswered one kept for a replay, is counted as dropped with the reason.
/// </summary>
internal sealed partial class SessionUpstream : IDisposable
{
    private readonly object _gate = new();
    private readonly ResumeBuffer _buffer;
    private readonly Telemetry.ImMetrics _metrics;
    private readonly SessionSignal _signal;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _failed = new();
    private UpstreamChatStream? _current;
    private bool _writing;
    private TaskCompletionSource? _inFlightWaiter;
    private ResumeDropReason? _failure;
    private bool _broken;
    private readonly ConversationLedger _ledger;

    /// <summary>Creates the upstream with <paramref name="initial"/> attached.</summary>
    internal SessionUpstream(UpstreamChatStream? initial, ConversationLedger ledger, ResumeOptions options, Telemetry.ImMetrics metrics, SessionSignal signal, TimeProvider timeProvider, ILogger logger, NodeBufferBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        _current = initial;
        _ledger = ledger;
        _buffer = new ResumeBuffer(options.MaxBufferedFrames, options.MaxBufferedBytes, options.MaxBufferAge, timeProvider, budget);
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _signal = signal;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Why the upstream failed (a limit), or null.</summary>
    public ResumeDropReason? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>Cancelled when the upstream failed.</summary>
    public CancellationToken FailedToken => _failed.Token;

    /// <summary>True when a write to the attached stream failed (it was detached; the supervisor must resume).</summary>
    public bool IsBroken
    {
        get
        {
            lock (_gate)
            {
                return _broken;
            }
        }
    }

    /// <summary>Frames currently kept.</summary>
    public int BufferedFrames
    {
        get
        {
            lock (_gate)
            {
                return _buffer.Count;
            }
        }
    }

    /// <summary>
    /// The uplink's write: straight to the attached stream, else into the buffer. False when the upstream failed (the
    /// session is being closed). Throws <see cref="OperationCanceledException"/> only for <paramref name="cancellationToken"/>.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WriteAsync(ChatRequest request, UplinkFrameTag tag, CancellationToken cancellationToken)
    {
        while (true)
        {
            UpstreamChatStream stream;
            long answersBefore;
            lock (_gate)
            {
                if (_failure is { } failed)
                {
                    _metrics.ResumeDropped(failed, 1);
                    return false;
                }

                if (_current is null)
                {
                    return Keep(new BufferedUplinkFrame(request, tag, _timeProvider.GetTimestamp()));
                }

                stream = _current;
                _writing = true;
                answersBefore = _ledger.AnswerMark;
            }

            try
            {
                await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    // Before the in-flight write is reported done: a supervisor that waited for it replays from this.
                    _ledger.NoteDelivered(request, tag, answersBefore);
                }

                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (UpstreamChatStream.IsStreamFailure(ex))
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_current, stream))
                    {
                        // Not known to have arrived: keep it for the next stream (at least once beats lost).
                        LogWriteFailed(_logger, stream.EndLogLevel(LogLevel.Information), ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.GetType().Name);
                        _current = null;
                        _broken = true;
                        _signal.Set();
                        return Keep(new BufferedUplinkFrame(request, tag, _timeProvider.GetTimestamp()));
                    }
                }

                // The stream was replaced meanwhile: write to the new one (or keep).
            }
            finally
            {
                // No allocation per write: a waiter exists only while a supervisor waits for this write.
                TaskCompletionSource? waiter;
                lock (_gate)
                {
                    _writing = false;
                    waiter = _inFlightWaiter;
                    _inFlightWaiter = null;
                }

                waiter?.TrySetResult();
            }
        }
    }

    /// <summary>Stops writing to the attached stream (frames are kept from now on); returns the stream that was attached.</summary>
    public UpstreamChatStream? Detach()
    {
        lock (_gate)
        {
            var detached = _current;
            _current = null;
            return detached;
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for a write the uplink started before <see cref="Detach"/>.</summary>
    public async Task<bool> WaitForWriteInFlightAsync(TimeSpan timeout)
    {
        Task inFlight;
        lock (_gate)
        {
            if (!_writing)
            {
                return true;
            }

            _inFlightWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            inFlight = _inFlightWaiter.Task;
        }

        try
        {
            await inFlight.WaitAsync(timeout, _timeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="replay"/>, waits for <paramref name="confirm"/> (the AI service accepted the stream: a
    /// write is not an acknowledgement, and frames flushed into a refused stream would be lost unseen), then writes the
    /// kept frames in order and attaches the stream. False when the upstream failed meanwhile. Throws when a write or
    /// the confirmation fails (the unwritten frames stay kept).
    /// </summary>
    public async Task<bool> AttachAsync(UpstreamChatStream stream, IReadOnlyList<ChatRequest> replay, Func<CancellationToken, Task>? confirm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(replay);
        foreach (var request in replay)
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (confirm is not null)
        {
            await confirm(cancellationToken).ConfigureAwait(false);
        }

        var flushed = 0;
        while (true)
        {
            BufferedUplinkFrame next;
            long answersBefore;
            lock (_gate)
            {
                answersBefore = _ledger.AnswerMark;
                if (_failure is null && _buffer.CheckAge() is { } age)
                {
                    FailLocked(age, 0);
                }

                if (_failure is not null)
                {
                    return false;
                }

                if (!_buffer.TryPeek(out next))
                {
                    _current = stream;
                    _broken = false;
                    if (flushed > 0)
                    {
                        LogFlushed(_logger, flushed);
                    }

                    return true;
                }
            }

            await stream.WriteAsync(next.Request, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _buffer.RemoveOldest();
                _ledger.NoteDelivered(next.Request, next.Tag, answersBefore);
            }

            flushed++;
        }
    }

    /// <summary>Fails the upstream for <paramref name="reason"/> (e.g. the resume timed out), counting the kept frames as dropped.</summary>
    public void Fail(ResumeDropReason reason)
    {
        lock (_gate)
        {
            if (_failure is null)
            {
                FailLocked(reason, 0);
            }
        }

        CancelFailed();
    }

    /// <summary>The session ended: kept frames that never went upstream are counted as dropped.</summary>
    public void Close()
    {
        lock (_gate)
        {
            var dropped = _buffer.Clear();
            if (dropped > 0)
            {
                _metrics.ResumeDropped(ResumeDropReason.SessionEnded, dropped);
                LogDropped(_logger, dropped, ResumeDropReason.SessionEnded);
            }

            _current = null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _failed.Dispose();

    private bool Keep(BufferedUplinkFrame frame)
    {
        // Called under _gate.
        if (_buffer.TryAdd(frame) is not { } reason)
        {
            return true;
        }

        FailLocked(reason, 1);
        _ = Task.Run(CancelFailed);
        return false;
    }

    private void FailLocked(ResumeDropReason reason, int extra)
    {
        // Kept frames, the one over the limit, and what reached a stream that broke before the AI answered (it was
        // kept for the replay that will not happen now).
        var dropped = _buffer.Clear() + extra + _ledger.TakeUnanswered();
        _failure = reason;
        _current = null;
        _metrics.ResumeDropped(reason, dropped);
        LogDropped(_logger, dropped, reason);
        _signal.Set();
    }

    private void CancelFailed()
    {
        try
        {
            _failed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(EventId = 4401, Message = "Writing to the AI service failed ({Reason}); keeping device frames until the session resumes (the stream's end is logged with its status)")]
    private static partial void LogWriteFailed(ILogger logger, LogLevel level, string reason);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Warning, Message = "Dropped {Frames} device frame(s) kept for resume: {Reason}")]
    private static partial void LogDropped(ILogger logger, int frames, ResumeDropReason reason);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Debug, Message = "Flushed {Frames} kept device frame(s) to the new stream")]
    private static partial void LogFlushed(ILogger logger, int frames);
}
