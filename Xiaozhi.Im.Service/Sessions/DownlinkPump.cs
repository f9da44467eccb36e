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
/// skipped. Each send is awaited before the next response is read.
/// </summary>
public sealed partial class DownlinkPump
{
    private readonly UpstreamChatStream _upstream;
    private readonly DeviceSocketWriter _writer;
    private readonly SessionMetadata _session;
    private readonly TimeProvider _timeProvider;
    private readonly long _startTimestamp;
    private readonly ILogger _logger;

    /// <summary>Creates the pump; the session's clock for v2 timestamps starts now.</summary>
    public DownlinkPump(UpstreamChatStream upstream, DeviceSocketWriter writer, SessionMetadata session, TimeProvider timeProvider, ILogger logger)
    {
        _upstream = upstream;
        _writer = writer;
        _session = session;
        _timeProvider = timeProvider;
        _startTimestamp = timeProvider.GetTimestamp();
        _logger = logger;
    }

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

    /// <summary>Runs until the response stream ends or <paramref name="cancellationToken"/> fires.</summary>
    public async Task<DownlinkEnd> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var response in _upstream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await ForwardAsync(response, cancellationToken).ConfigureAwait(false);
            }

            LogUpstreamCompleted(_logger);
            return new DownlinkEnd(DownlinkEndKind.Completed, StatusCode.OK);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new DownlinkEnd(DownlinkEndKind.Cancelled, StatusCode.Cancelled);
        }
        catch (RpcException ex) when (cancellationToken.IsCancellationRequested)
        {
            return new DownlinkEnd(DownlinkEndKind.Cancelled, ex.StatusCode);
        }
        catch (RpcException ex)
        {
            LogUpstreamFailed(_logger, ex.StatusCode);
            return new DownlinkEnd(DownlinkEndKind.Failed, ex.StatusCode);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            LogUpstreamFailed(_logger, StatusCode.Unavailable);
            return new DownlinkEnd(DownlinkEndKind.Failed, StatusCode.Unavailable);
        }
    }

    private async Task ForwardAsync(ChatResponse response, CancellationToken cancellationToken)
    {
        var data = response.ResponseData.Memory;
        switch (response.GetKind())
        {
            case ChatFrameKind.Text:
            {
                var type = JsonMessageTypeSniffer.Sniff(data.Span);
                LogTextFrame(_logger, type.ForLog(), data.Length);
                if (type.Is("hello") && ServerHelloTransportFix.Apply(data.Span) is { } corrected)
                {
                    LogHelloTransportCorrected(_logger);
                    data = corrected;
                }

                await _writer.SendTextAsync(data, cancellationToken).ConfigureAwait(false);
                break;
            }

            case ChatFrameKind.Binary:
                await SendAudioAsync(data, cancellationToken).ConfigureAwait(false);
                break;

            case ChatFrameKind.Error:
            {
                var message = AlertMessageFor(data.Span, out var code);
                LogAiError(_logger, code, data.Length);
                await _writer.SendAlertAsync(message, cancellationToken).ConfigureAwait(false);
                break;
            }

            default:
                LogUnknownResponseType(_logger, response.ResponseType, data.Length);
                break;
        }
    }

    private async Task SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
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
