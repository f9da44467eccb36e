using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Sessions.Resume;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Re-opens a session's ChatStream: backoff with jitter between attempts (cut short when an endpoint recovered), a
/// stream from the <see cref="IChatStreamSource"/>, the caller's attach (replay, confirmation, kept frames), until the
/// <see cref="ResumePolicy"/>'s deadline. One per session, used by its supervisor only.
/// </summary>
internal sealed partial class StreamReopener
{
    private readonly IChatStreamSource _source;
    private readonly ResumeOptions _options;
    private readonly ResumePolicy _policy;
    private readonly ResumeBackoff _backoff;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public StreamReopener(IChatStreamSource source, ResumeOptions options, ResumePolicy policy, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _source = source;
        _options = options;
        _policy = policy;
        _timeProvider = timeProvider;
        _logger = logger;
        _backoff = new ResumeBackoff(options.InitialBackoff, options.MaxBackoff);
    }

    /// <summary>
    /// Attempts until <paramref name="attach"/> took a stream (it gets the stream and the time left; false: give up),
    /// the deadline passed (<see cref="ReopenResult.TimedOut"/>) or <paramref name="cancellationToken"/> fired.
    /// <paramref name="immediate"/>: the first attempt does not wait (a move off a working connection).
    /// </summary>
    public async Task<ReopenResult> ReopenAsync(
        SessionMetadata session,
        bool immediate,
        Func<AiChatStream, TimeSpan, CancellationToken, Task<bool>> attach,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attach);
        var recovered = _source.EndpointRecovered;
        for (var attempt = 0; ; attempt++)
        {
            var remaining = _policy.Remaining;
            if (remaining <= TimeSpan.Zero)
            {
                LogResumeTimedOut(_logger, _options.Timeout, attempt);
                return ReopenResult.TimedOut;
            }

            AiChatStream? next = null;
            try
            {
                if (!immediate || attempt > 0)
                {
                    var delay = _backoff.Delay(immediate ? attempt - 1 : attempt);
                    await WaitBackoffAsync(recovered, delay < remaining ? delay : remaining, cancellationToken).ConfigureAwait(false);
                    remaining = _policy.Remaining;
                    if (remaining <= TimeSpan.Zero)
                    {
                        continue;
                    }
                }

                // Taken before the attempt: a recovery seen while it fails still cuts the next wait short.
                recovered = _source.EndpointRecovered;
                next = await _source.OpenChatStreamAsync(session, cancellationToken, remaining).ConfigureAwait(false);
                if (next is null)
                {
                    continue;
                }

                if (await attach(next, remaining, cancellationToken).ConfigureAwait(false))
                {
                    return ReopenResult.Opened(next);
                }

                next.Dispose();
                return ReopenResult.GaveUp;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                next?.Dispose();
                return ReopenResult.GaveUp;
            }
            catch (Exception ex) when (AiChatStream.IsStreamFailure(ex) || ex is TimeoutException)
            {
                next?.Dispose();
                LogResumeAttemptFailed(_logger, attempt, ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.GetType().Name);
            }
        }
    }

    /// <summary>Sleeps out a backoff, or less: until an endpoint recovered (another session got through).</summary>
    private async Task WaitBackoffAsync(Task recovered, TimeSpan delay, CancellationToken cancellationToken)
    {
        // The backoff running out first is the normal case while the AI service is down: its TimeoutException is looked
        // at, not thrown (a thousand sessions wait out their backoffs during a backend restart).
        var wait = recovered.WaitAsync(delay, _timeProvider, cancellationToken);
        await wait.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (wait.IsCanceled || wait.Exception?.InnerException is not (null or TimeoutException))
        {
            await wait.ConfigureAwait(false); // cancellation (or a failure of the recovery signal) propagates as before
        }
    }

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "Resume attempt {Attempt} failed: {Reason}")]
    private static partial void LogResumeAttemptFailed(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "No AI stream resumed within {Timeout} ({Attempts} attempts)")]
    private static partial void LogResumeTimedOut(ILogger logger, TimeSpan timeout, int attempts);
}
