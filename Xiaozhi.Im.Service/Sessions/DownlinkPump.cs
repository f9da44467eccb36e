using System.Buffers;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// AI → device: each <see cref="ChatResponse"/> becomes one frame, in order, through the session's
/// <see cref="DeviceSocketWriter"/>: 1 → text (byte-exact; a server <c>hello</c> only gets its <c>transport</c>
/// corrected when it is not <c>"websocket"</c>), 2 → binary (wrapped for protocol 2/3 devices; the v2 timestamp is
/// milliseconds since the session started, low 32 bits), 999 → an error <c>alert</c>. Unknown types are logged and
/// skipped. Each send is awaited before the next response is read. Runs once per ChatStream of the session: on a
/// resumed stream the reply to the replayed <c>hello</c> is not forwarded (differences are logged). What the AI says
/// is noted in the <see cref="ConversationLedger"/>; the end-of-turn hook runs before <c>tts stop</c> reaches the device.
/// </summary>
internal sealed partial class DownlinkPump
{
    private readonly DeviceSocketWriter _writer;
    private readonly ConversationLedger _ledger;
    private readonly Action<bool> _onTurnEnd;
    private readonly SessionMetadata _session;
    private readonly TimeProvider _timeProvider;
    private readonly long _startTimestamp;
    private readonly ILogger _logger;
    private readonly Telemetry.ImMetrics _metrics;
    private long _receivedAt;
    private System.Diagnostics.Activity? _turnSpan;
    private readonly Telemetry.SpanEvents _spanEvents = new();

    /// <summary>Creates the pump; the session's clock for v2 timestamps starts now.</summary>
    internal DownlinkPump(DeviceSocketWriter writer, SessionMetadata session, ConversationLedger ledger, Action<bool> onTurnEnd, TimeProvider timeProvider, ILogger logger, Telemetry.ImMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(onTurnEnd);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _writer = writer;
        _ledger = ledger;
        _onTurnEnd = onTurnEnd;
        _session = session;
        _timeProvider = timeProvider;
        _startTimestamp = timeProvider.GetTimestamp();
        _logger = logger;
        Ai = new AiActivity(timeProvider, ledger);
    }

    /// <summary>When the AI last sent something and whether it speaks (read by the idle policy).</summary>
    public AiActivity Ai { get; }

    /// <summary>The message of the alert for a 999 payload: its message, else its code, else a generic text.</summary>
    public static string AlertMessageFor(ReadOnlySpan<byte> errorPayload, out string errorCode)
    {
        errorCode = string.Empty;
        if (!AiErrorPayload.TryParse(errorPayload, out var error) || error is null)
        {
            return DeviceAlertMessages.AiErrorWithoutDetails;
        }

        errorCode = error.ErrorCode;
        if (!string.IsNullOrWhiteSpace(error.ErrorMessage))
        {
            return error.ErrorMessage;
        }

        return string.IsNullOrWhiteSpace(error.ErrorCode) ? DeviceAlertMessages.AiErrorWithoutDetails : error.ErrorCode;
    }

    /// <summary>
    /// Forwards <paramref name="stream"/>'s responses until it ends or <paramref name="cancellationToken"/> fires;
    /// with <paramref name="swallowHello"/> the first server hello is not forwarded (the reply to a replayed hello).
    /// </summary>
    public async Task<DownlinkEnd> RunAsync(AiChatStream stream, bool swallowHello, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var turns = _ledger.Turns.Bind(stream.Source, _timeProvider, _metrics);
        long responses = 0;
        var swallow = swallowHello;
        try
        {
            while (true)
            {
                // The read's outcome is looked at, not rethrown: when a backend goes away every session's read fails at
                // once, and a rethrow per await level is a stack walk per session.
                var next = stream.MoveNextAsync(cancellationToken);
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!next.IsCompletedSuccessfully)
                {
                    var error = next.Exception?.InnerException;
                    if (error is not null && !AiChatStream.IsStreamFailure(error))
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    }

                    return Ended(stream, error, responses, cancellationToken);
                }

                if (!next.Result)
                {
                    break;
                }

                responses++;
                _receivedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                Ai.NoteFrame();
                swallow = await ForwardAsync(stream.Current, swallow, cancellationToken).ConfigureAwait(false);
            }

            LogUpstreamCompleted(_logger);
            EndTurnSpan("stream ended");
            return new DownlinkEnd(DownlinkEndKind.Completed, StatusCode.OK, responses);
        }
        catch (Exception ex) when (AiChatStream.IsStreamFailure(ex))
        {
            return Ended(stream, ex, responses, cancellationToken);
        }
    }

    /// <summary>How the pump ended for <paramref name="error"/> (null: the read was cancelled).</summary>
    private DownlinkEnd Ended(AiChatStream stream, Exception? error, long responses, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new DownlinkEnd(DownlinkEndKind.Cancelled, error is RpcException cancelled ? cancelled.StatusCode : StatusCode.Cancelled, responses);
        }

        var status = error is RpcException rpc ? rpc.StatusCode : StatusCode.Unavailable;
        if (!stream.LostWithItsConnection)
        {
            // A lost connection counts once toward ejection (AiEndpoint.OnConnectionLost), not once per stream on it.
            stream.Source.NoteFailure();
        }

        LogUpstreamFailed(_logger, stream.EndLogLevel(FailureLevel(status)), status);
        EndTurnSpan("stream failed");
        return new DownlinkEnd(DownlinkEndKind.Failed, status, responses);
    }

    private void CompareResumedHello(ReadOnlySpan<byte> hello)
    {
        switch (_ledger.CompareResumedHello(hello))
        {
            case ResumedHelloDifference.AudioParams:
                LogResumedHelloAudioDiffers(_logger);
                break;
            case ResumedHelloDifference.SessionIdOnly:
                // Normal for a backend that labels each stream (the Go service: grpc_<unixnano>): counted, not warned.
                LogResumedHelloSessionIdChanged(_logger);
                _metrics.ResumeSessionIdChanged();
                break;
            case ResumedHelloDifference.None:
                LogResumedHelloSwallowed(_logger, "same session id and audio params");
                break;
            default:
                LogResumedHelloSwallowed(_logger, "not compared");
                break;
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ChatResponse response, bool swallowHello, CancellationToken cancellationToken)
    {
        var data = response.ResponseData.Memory;
        switch (response.GetKind())
        {
            case ChatFrameKind.Text:
                {
                    var type = JsonMessageTypeSniffer.Sniff(data.Span);
                    LogTextFrame(_logger, type.ForLog(), data.Length);
                    var effect = ServerTextEffect.None;
                    if (type.Is("hello"))
                    {
                        if (swallowHello)
                        {
                            CompareResumedHello(data.Span);
                            return false;
                        }

                        _ledger.NoteServerHello(ServerHelloSummary.Parse(data.Span));
                        if (ServerHelloTransportFix.Apply(data.Span) is { } corrected)
                        {
                            LogHelloTransportCorrected(_logger);
                            data = corrected;
                        }
                    }
                    else if ((effect = _ledger.NoteServerText(type, data.Span)) == ServerTextEffect.TurnEnding)
                    {
                        // Before the device sees the end of the turn (false), a session moving off a closing connection
                        // starts keeping frames, so the device's next frame already goes to the new stream; after it (true),
                        // a draining session may close.
                        _onTurnEnd(false);
                        await _writer.SendTextAsync(data, cancellationToken).ConfigureAwait(false);
                        Observe("text", type.Type, data.Length);
                        _ledger.Turns.TurnEnded();
                        EndTurnSpan(null);
                        _ledger.StopSpeaking();
                        _onTurnEnd(true);
                        break;
                    }

                    await _writer.SendTextAsync(data, cancellationToken).ConfigureAwait(false);
                    Observe("text", type.Type, data.Length);
                    if (effect == ServerTextEffect.SpeakingStarted)
                    {
                        // A span per turn: tts start → tts stop (or the stream's end).
                        _turnSpan = Telemetry.ImTelemetry.Source.StartActivity("xiaozhi.turn");
                    }

                    _spanEvents.Add("ai", type);
                    break;
                }

            case ChatFrameKind.Binary:
                await SendAudioAsync(data, cancellationToken).ConfigureAwait(false);
                Observe("binary", null, data.Length);
                break;

            case ChatFrameKind.Error:
                {
                    var message = AlertMessageFor(data.Span, out var code);
                    LogAiError(_logger, code, data.Length);
                    _ledger.NoteAiError();
                    await _writer.SendAlertAsync(message, cancellationToken).ConfigureAwait(false);
                    Observe("error", "alert", data.Length);
                    break;
                }

            default:
                LogUnknownResponseType(_logger, response.ResponseType, data.Length);
                _metrics.Dropped("unknown_response_type");
                break;
        }

        return swallowHello;
    }

    private void EndTurnSpan(string? interruptedBy)
    {
        if (_turnSpan is null)
        {
            return;
        }

        if (interruptedBy is not null)
        {
            _turnSpan.SetStatus(System.Diagnostics.ActivityStatusCode.Error, interruptedBy);
        }

        _turnSpan.Dispose();
        _turnSpan = null;
    }

    /// <summary>Counts a frame delivered to the device and its time inside the gateway (stream receive → device send).</summary>
    private void Observe(string kind, string? messageType, int bytes)
    {
        _ledger.Turns.AiSent(kind, messageType);
        _metrics.Frame(Telemetry.FrameDirection.Downlink, kind, messageType, bytes);
        _metrics.HopLatency(Telemetry.FrameDirection.Downlink, Telemetry.ImMetrics.Since(_receivedAt));
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
    {
        var version = _session.ProtocolVersion;
        LogBinaryFrame(_logger, audio.Length);
        if (version == BinaryProtocolVersion.V1)
        {
            await _writer.SendBinaryAsync(audio, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!BinaryFrameCodec.CanWrap(version, audio.Length))
        {
            LogAudioTooLargeForVersion(_logger, audio.Length, (int)version);
            _metrics.Dropped("audio_too_large_for_v3");
            return;
        }

        var size = BinaryFrameCodec.WrappedSize(version, audio.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var elapsed = (long)_timeProvider.GetElapsedTime(_startTimestamp).TotalMilliseconds;
            var written = BinaryFrameCodec.Wrap(version, audio.Span, unchecked((uint)elapsed), buffer);
            await _writer.SendBinaryAsync(buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
