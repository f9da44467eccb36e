using System.Net.WebSockets;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// The device's WebSocket, unchanged, except that every completed receive is shown to the session's
/// <see cref="DeviceActivityMonitor"/> (hello, idle and flood policies) before the reader sees it.
/// </summary>
internal sealed class MonitoredWebSocket(WebSocket inner, DeviceActivityMonitor monitor) : WebSocket
{
    /// <inheritdoc />
    public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

    /// <inheritdoc />
    public override string? CloseStatusDescription => inner.CloseStatusDescription;

    /// <inheritdoc />
    public override WebSocketState State => inner.State;

    /// <inheritdoc />
    public override string? SubProtocol => inner.SubProtocol;

    /// <inheritdoc />
    public override void Abort() => inner.Abort();

    /// <inheritdoc />
    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc />
    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc />
    public override void Dispose() => inner.Dispose();

    /// <inheritdoc />
    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        monitor.OnReceived(result.MessageType, result.EndOfMessage, buffer.AsSpan(0, result.Count));
        return result;
    }

    /// <inheritdoc />
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        monitor.OnReceived(result.MessageType, result.EndOfMessage, buffer.Span[..result.Count]);
        return result;
    }

    /// <inheritdoc />
    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    /// <inheritdoc />
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    /// <inheritdoc />
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, messageFlags, cancellationToken);
}
