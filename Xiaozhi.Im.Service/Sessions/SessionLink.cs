using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The session's way upstream, which survives its ChatStreams. While a stream is attached the uplink writes straight
/// to it (awaited: HTTP/2 flow control is the back-pressure); when the stream broke or is being replaced, frames are
/// kept in order in a bounded <see cref="ResumeBuffer"/> until the supervisor attaches the next stream, which first
/// gets the replayed frames and then the kept ones. A stream has one writer at a time: the uplink after attach, the
/// supervisor before. What may be held, and what giving up drops and counts, is the <see cref="ResumePolicy"/>'s: past a
/// limit (or the resume timeout) the upstream fails with the policy's outcome.
/// </summary>
internal sealed partial class SessionLink : IDisposable
{
    private readonly object _gate = new();
    private readonly ResumeBuffer _buffer;
    private readonly ResumePolicy _policy;
    private readonly SessionSignal _signal;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _failed = new();
    private AiChatStream? _current;
    private bool _writing;
    private TaskCompletionSource? _inFlightWaiter;
    private bool _broken;
    private readonly ConversationLedger _ledger;

    /// <summary>Creates the upstream with <paramref name="initial"/> attached.</summary>
    internal SessionLink(AiChatStream? initial, ConversationLedger ledger, ResumePolicy policy, SessionSignal signal, TimeProvider timeProvider, ILogger logger, NodeBufferBudget budget)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(ledger);
        _current = initial;
        _ledger = ledger;
        _policy = policy;
        _buffer = new ResumeBuffer(budget);
        _signal = signal;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Why the upstream failed (a limit), or null.</summary>
    public ResumeDropReason? Failure => _policy.GaveUp?.Reason;

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
            AiChatStream stream;
            long answersBefore;
            lock (_gate)
            {
                if (_policy.GaveUp is not null)
                {
                    _policy.DropLate();
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
            catch (Exception ex) when (AiChatStream.IsStreamFailure(ex))
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
    public AiChatStream? Detach()
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
    public async Task<bool> AttachAsync(AiChatStream stream, IReadOnlyList<ChatRequest> replay, Func<CancellationToken, Task>? confirm, CancellationToken cancellationToken)
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
                if (_policy.GaveUp is null && _policy.CheckAge(_buffer) is { } age)
                {
                    FailLocked(age, 0);
                }

                if (_policy.GaveUp is not null)
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

    /// <summary>
    /// Fails the upstream for <paramref name="reason"/> (e.g. the resume timed out) unless it failed already; returns the
    /// outcome it failed with.
    /// </summary>
    public ResumeOutcome Fail(ResumeDropReason reason)
    {
        ResumeOutcome outcome;
        lock (_gate)
        {
            outcome = FailLocked(reason, 0);
        }

        CancelFailed();
        return outcome;
    }

    /// <summary>The session ended: kept frames that never went upstream are counted as dropped.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _policy.SessionEnded(_buffer);
            _current = null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _failed.Dispose();

    private bool Keep(BufferedUplinkFrame frame)
    {
        // Called under _gate.
        if (_policy.Hold(_buffer, frame) is not { } reason)
        {
            return true;
        }

        FailLocked(reason, 1);
        _ = Task.Run(CancelFailed);
        return false;
    }

    private ResumeOutcome FailLocked(ResumeDropReason reason, int refused)
    {
        var outcome = _policy.GiveUp(reason, _buffer, _ledger, refused);
        _current = null;
        _signal.Set();
        return outcome;
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

    [LoggerMessage(EventId = 4403, Level = LogLevel.Debug, Message = "Flushed {Frames} kept device frame(s) to the new stream")]
    private static partial void LogFlushed(ILogger logger, int frames);
}
