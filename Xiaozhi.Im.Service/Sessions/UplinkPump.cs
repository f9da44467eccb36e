using System.Buffers;
using System.Net.WebSockets;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Logging;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Device → AI: reads whole WebSocket messages into a pooled buffer (grown up to the frame limit), turns each into one
/// <see cref="ChatRequest"/> (all three ids, text bytes exactly as received, v2/v3 audio unwrapped, Unix ms timestamp)
/// and awaits the write before reading the next: a device faster than the AI service is slowed by TCP. Writes go
/// through <see cref="SessionLink"/> (straight to the attached stream, or kept within limits while the session
/// resumes); each text frame is noted in the <see cref="ConversationLedger"/> (its tag says what a replay needs of it).
/// </summary>
internal sealed partial class UplinkPump
{
    private readonly WebSocket _socket;
    private readonly DeviceSocketWriter _writer;
    private readonly SessionLink _link;
    private readonly Telemetry.SpanEvents _spanEvents = new();
    private readonly ConversationLedger _ledger;
    private readonly SessionMetadata _session;
    private readonly UplinkLimits _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Telemetry.ImMetrics _metrics;
    private long _receivedAt;

    internal UplinkPump(
        DeviceConnection device,
        SessionLink link,
        ConversationLedger ledger,
        SessionMetadata session,
        UplinkLimits limits,
        TimeProvider timeProvider,
        ILogger logger,
        Telemetry.ImMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(device);
        _metrics = metrics;
        _socket = device.Socket;
        _writer = device.Writer;
        _link = link;
        _ledger = ledger;
        _session = session;
        _limits = limits;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// The serialized size of a ChatRequest whose envelope (ids, kind, timestamp; no data) serializes to
    /// <paramref name="envelopeSize"/> bytes, once it carries <paramref name="payloadLength"/> bytes of data.
    /// </summary>
    public static long ChatRequestSize(int envelopeSize, int payloadLength) =>
        payloadLength == 0
            ? envelopeSize
            : envelopeSize + CodedOutputStream.ComputeTagSize(ChatRequest.MessageDataFieldNumber)
                + CodedOutputStream.ComputeLengthSize(payloadLength) + (long)payloadLength;

    /// <summary>
    /// Runs until the device leaves, the upstream fails or <paramref name="cancellationToken"/> fires. Between messages
    /// the pump waits with a zero-byte receive and holds no buffer: an idle device costs no receive memory.
    /// </summary>
    public async Task<UplinkEnd> RunAsync(CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                // Wait for the next message without a buffer; it completes when a frame header arrived (or with a
                // whole empty message, or the close).
                var (first, ended) = await ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                if (ended is { } gone)
                {
                    return gone;
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(_limits.InitialReceiveBufferBytes);
                var isText = first.MessageType == WebSocketMessageType.Text;
                var limit = isText ? _limits.MaxTextFrameBytes : _limits.MaxBinaryFrameBytes;
                var count = 0;
                var result = first;
                while (!result.EndOfMessage)
                {
                    if (count == buffer.Length)
                    {
                        if (count >= limit)
                        {
                            // Full at the limit and the message goes on.
                            return await RefuseTooBigAsync(isText, limit, buffer, cancellationToken).ConfigureAwait(false);
                        }

                        buffer = Grow(buffer, count, limit);
                    }

                    (result, ended) = await ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                    if (ended is { } left)
                    {
                        return left;
                    }

                    count += result.Count;
                    if (count > limit)
                    {
                        return await RefuseTooBigAsync(isText, limit, buffer, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (isText && count > _limits.MaxControlFrameBytes && !IsRequest(buffer.AsSpan(0, count)))
                {
                    // Only requests may be large: a hello or listen start is kept for the session's life and re-sent
                    // on every resume, and no real control message comes near the limit.
                    return await RefuseTooBigAsync(isText, _limits.MaxControlFrameBytes, buffer, cancellationToken).ConfigureAwait(false);
                }

                _receivedAt = System.Diagnostics.Stopwatch.GetTimestamp();

                // The request owns a copy of the bytes, so the buffer goes back to the pool before the write is awaited:
                // held across a slow write, every waiting session would keep one, the shared pool would run dry and
                // each further message would allocate a fresh buffer (seen under load as 10 KB garbage per frame).
                var frame = isText ? PrepareText(buffer.AsSpan(0, count)) : PrepareBinary(buffer.AsSpan(0, count));
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                if (await ForwardAsync(frame, cancellationToken).ConfigureAwait(false) is { } end)
                {
                    return end;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>One receive; a close, a dropped device or cancellation ends the pump (the second value).</summary>
    private async ValueTask<(ValueWebSocketReceiveResult Result, UplinkEnd? Ended)> ReceiveAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult result;
        try
        {
            result = await _socket.ReceiveAsync(into, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (default, UplinkEnd.Cancelled);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            LogDeviceDropped(_logger, ex.GetType().Name);
            return (default, UplinkEnd.DeviceDropped);
        }

        if (result.MessageType == WebSocketMessageType.Close)
        {
            LogDeviceClosed(_logger, (int?)_socket.CloseStatus, _socket.CloseStatusDescription?.Length ?? 0);
            return (result, UplinkEnd.DeviceClosed);
        }

        return (result, null);
    }

    private async Task<UplinkEnd> RefuseTooBigAsync(bool isText, int limit, byte[] scratch, CancellationToken cancellationToken)
    {
        LogMessageTooBig(_logger, isText ? "text" : "binary", limit);
        await _writer.CloseAsync(DeviceCloseReasons.TooBig(isText, limit), cancellationToken).ConfigureAwait(false);
        await DiscardUntilCloseAsync(scratch, cancellationToken).ConfigureAwait(false);
        return UplinkEnd.MessageTooBig;
    }

    /// <summary>
    /// After closing mid-message, read and discard what the device already sent until its close answer (at most
    /// <see cref="UplinkLimits.CloseTimeout"/>): closing a socket with unread data resets the connection, and the reset can
    /// destroy our close frame before the device reads it — it would see a reset instead of 1009 and its reason.
    /// </summary>
    private async Task DiscardUntilCloseAsync(byte[] scratch, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(scratch.AsMemory(), linked.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The device went away or never answered: nothing more to wait for.
        }
    }

    private static bool IsRequest(ReadOnlySpan<byte> utf8)
    {
        var type = JsonMessageTypeSniffer.Sniff(utf8);
        return type.Is("chat") || type.Is("image") || type.Is("vision");
    }

    private static byte[] Grow(byte[] buffer, int used, int limit)
    {
        // Double, but never past the message's limit: a message that fills a limit-sized buffer and goes on is too big.
        var size = (int)Math.Min((long)buffer.Length * 2, limit);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>A device text message (or the JSON of a v2/v3 binary frame): bytes unchanged, type noted for replay.</summary>
    private UplinkFrame PrepareText(ReadOnlySpan<byte> utf8)
    {
        var type = JsonMessageTypeSniffer.Sniff(utf8);
        LogTextFrame(_logger, LogText.Escape(type.ForLog()), utf8.Length);
        _spanEvents.Add("device", type);
        var tag = _ledger.NoteDeviceText(type, utf8);
        return PrepareRequest(ChatFrameKind.Text, utf8, tag, type.Type);
    }

    /// <summary>A device binary message: unwrapped per protocol version; a malformed one becomes an alert.</summary>
    private UplinkFrame PrepareBinary(ReadOnlySpan<byte> frame)
    {
        var unwrapped = BinaryFrameCodec.Unwrap(_session.ProtocolVersion, frame);
        if (!unwrapped.IsValid)
        {
            LogMalformedBinary(_logger, unwrapped.Error, frame.Length, unwrapped.Problem);
            _metrics.Dropped("malformed_binary_frame");
            return UplinkFrame.Refused(DeviceAlertMessages.InvalidBinaryFrame(unwrapped.Problem));
        }

        var payload = frame.Slice(unwrapped.PayloadOffset, unwrapped.PayloadLength);
        if (unwrapped.Type == BinaryFrameType.Json)
        {
            // A v2/v3 frame carrying JSON goes up as a text frame, bytes unchanged.
            return PrepareText(payload);
        }

        LogBinaryFrame(_logger, frame.Length, payload.Length);
        return PrepareRequest(ChatFrameKind.Binary, payload, UplinkFrameTag.Other, messageType: null);
    }

    /// <summary>One request per frame: measured without its data first, so an oversized payload is never copied.</summary>
    private UplinkFrame PrepareRequest(ChatFrameKind kind, ReadOnlySpan<byte> payload, UplinkFrameTag tag, string? messageType)
    {
        var request = ChatRequests.Create(_session.ChatIdentity, kind, ByteString.Empty, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        var size = ChatRequestSize(request.CalculateSize(), payload.Length);
        if (size > _limits.MaxMessageBytes)
        {
            LogTooLargeForUpstream(_logger, kind, size, _limits.MaxMessageBytes);
            _metrics.Dropped("too_large_for_ai_service");
            return UplinkFrame.Refused(DeviceAlertMessages.TooLargeForAiService(size, _limits.MaxMessageBytes));
        }

        if (!payload.IsEmpty)
        {
            request.MessageData = ByteString.CopyFrom(payload);
        }

        return new UplinkFrame(request, tag, kind, messageType, payload.Length, Alert: null);
    }

    /// <summary>Writes the prepared request upstream (awaiting it is the back-pressure), or sends its alert.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UplinkEnd?> ForwardAsync(UplinkFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            if (frame.Request is not { } request)
            {
                await _writer.SendAlertAsync(frame.Alert!, cancellationToken).ConfigureAwait(false);
                return null;
            }

            if (!await _link.WriteAsync(request, frame.Tag, cancellationToken).ConfigureAwait(false))
            {
                // The session is being closed (alert + 1011); keep reading so the device's close answer arrives.
                LogUpstreamWriteFailed(_logger, _link.Failure?.ToString() ?? "failed");
                return null;
            }

            _ledger.Turns.DeviceSent(frame.Tag, frame.Kind);
            _metrics.Frame(Telemetry.FrameDirection.Uplink, frame.Kind == ChatFrameKind.Text ? "text" : "binary", frame.MessageType, frame.PayloadLength);
            _metrics.HopLatency(Telemetry.FrameDirection.Uplink, Telemetry.ImMetrics.Since(_receivedAt));
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return UplinkEnd.Cancelled;
        }
    }

    /// <summary>What one device message became: the request to write, or the alert the device gets instead.</summary>
    private readonly record struct UplinkFrame(ChatRequest? Request, UplinkFrameTag Tag, ChatFrameKind Kind, string? MessageType, int PayloadLength, string? Alert)
    {
        public static UplinkFrame Refused(string alert) => new(null, UplinkFrameTag.Other, ChatFrameKind.Text, null, 0, alert);
    }
}
