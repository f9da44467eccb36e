using System.Buffers;
using System.Net.WebSockets;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// Device → AI: reads whole WebSocket messages into a pooled buffer (grown up to the frame limit), turns each into one
/// <see cref="ChatRequest"/> (all three ids, text bytes exactly as received, v2/v3 audio unwrapped, Unix ms timestamp)
/// and awaits <c>RequestStream.WriteAsync</c> before reading the next: a device faster than the AI service is slowed by
/// TCP, nothing is buffered. The only writer of the session's request stream.
/// </summary>
public sealed partial class UplinkPump
{
    private readonly WebSocket _socket;
    private readonly DeviceSocketWriter _writer;
    private readonly UpstreamChatStream _upstream;
    private readonly SessionMetadata _session;
    private readonly UplinkLimits _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the pump.</summary>
    public UplinkPump(
        WebSocket socket,
        DeviceSocketWriter writer,
        UpstreamChatStream upstream,
        SessionMetadata session,
        UplinkLimits limits,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _socket = socket;
        _writer = writer;
        _upstream = upstream;
        _session = session;
        _limits = limits;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The serialized size of a ChatRequest for this session carrying <paramref name="payloadLength"/> bytes.</summary>
    public static long ChatRequestSize(ChatSessionIdentity identity, int payloadLength, long timestamp)
    {
        var envelope = ChatRequests.Create(identity, ChatFrameKind.Binary, ByteString.Empty, timestamp).CalculateSize();
        return payloadLength == 0
            ? envelope
            : envelope + CodedOutputStream.ComputeTagSize(ChatRequest.MessageDataFieldNumber)
                + CodedOutputStream.ComputeLengthSize(payloadLength) + (long)payloadLength;
    }

    /// <summary>Runs until the device leaves, the upstream fails or <paramref name="cancellationToken"/> fires.</summary>
    public async Task<UplinkEnd> RunAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_limits.InitialReceiveBufferBytes);
        try
        {
            while (true)
            {
                var count = 0;
                var limit = int.MaxValue;
                var isText = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (count >= limit)
                        {
                            // Full at the limit and the message goes on.
                            return await RefuseTooBigAsync(isText, limit, cancellationToken).ConfigureAwait(false);
                        }

                        buffer = Grow(buffer, count, limit);
                    }

                    try
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        return UplinkEnd.Cancelled;
                    }
                    catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                    {
                        LogDeviceDropped(_logger, ex.GetType().Name);
                        return UplinkEnd.DeviceDropped;
                    }

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        LogDeviceClosed(_logger, (int?)_socket.CloseStatus, _socket.CloseStatusDescription?.Length ?? 0);
                        return UplinkEnd.DeviceClosed;
                    }

                    count += result.Count;
                    isText = result.MessageType == WebSocketMessageType.Text;
                    limit = isText ? _limits.MaxTextFrameBytes : _limits.MaxBinaryFrameBytes;
                    if (count > limit)
                    {
                        return await RefuseTooBigAsync(isText, limit, cancellationToken).ConfigureAwait(false);
                    }
                }
                while (!result.EndOfMessage);

                var forwarded = result.MessageType == WebSocketMessageType.Text
                    ? await ForwardTextAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false)
                    : await ForwardBinaryAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                if (forwarded is { } end)
                {
                    return end;
                }

                if (buffer.Length > _limits.InitialReceiveBufferBytes * 4)
                {
                    // Do not keep a 16 MiB buffer for a session that sent one image.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(_limits.InitialReceiveBufferBytes);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<UplinkEnd> RefuseTooBigAsync(bool isText, int limit, CancellationToken cancellationToken)
    {
        LogMessageTooBig(_logger, isText ? "text" : "binary", limit);
        await _writer.CloseAsync(DeviceCloseReasons.TooBig(isText, limit), cancellationToken).ConfigureAwait(false);
        return UplinkEnd.MessageTooBig;
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

    private async Task<UplinkEnd?> ForwardTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        var type = JsonMessageTypeSniffer.Sniff(utf8.Span);
        LogTextFrame(_logger, type.ForLog(), utf8.Length);
        return await WriteUpstreamAsync(ChatFrameKind.Text, utf8, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UplinkEnd?> ForwardBinaryAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var unwrapped = BinaryFrameCodec.Unwrap(_session.ProtocolVersion, frame.Span);
        if (!unwrapped.IsValid)
        {
            LogMalformedBinary(_logger, unwrapped.Error, frame.Length, unwrapped.Problem);
            await _writer.SendAlertAsync(DeviceAlertMessages.InvalidBinaryFrame(unwrapped.Problem), cancellationToken).ConfigureAwait(false);
            return null;
        }

        var payload = frame.Slice(unwrapped.PayloadOffset, unwrapped.PayloadLength);
        if (unwrapped.Type == BinaryFrameType.Json)
        {
            // A v2/v3 frame carrying JSON goes up as a text frame, bytes unchanged.
            return await ForwardTextAsync(payload, cancellationToken).ConfigureAwait(false);
        }

        LogBinaryFrame(_logger, frame.Length, payload.Length);
        return await WriteUpstreamAsync(ChatFrameKind.Binary, payload, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UplinkEnd?> WriteUpstreamAsync(ChatFrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var timestamp = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var size = ChatRequestSize(_session.ChatIdentity, payload.Length, timestamp);
        if (size > _limits.MaxMessageBytes)
        {
            LogTooLargeForUpstream(_logger, kind, size, _limits.MaxMessageBytes);
            await _writer.SendAlertAsync(DeviceAlertMessages.TooLargeForAiService(size, _limits.MaxMessageBytes), cancellationToken).ConfigureAwait(false);
            return null;
        }

        var request = ChatRequests.Create(_session.ChatIdentity, kind, ByteString.CopyFrom(payload.Span), timestamp);
        try
        {
            await _upstream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return UplinkEnd.Cancelled;
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException or IOException)
        {
            LogUpstreamWriteFailed(_logger, ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.GetType().Name);
            return UplinkEnd.UpstreamWriteFailed;
        }
    }
}
