using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The single writer of one device WebSocket: downlink frames, the IM's alerts and the close all go through here,
/// one at a time, so there is never a concurrent <c>SendAsync</c>. (Keepalive pings are sent by the runtime's WebSocket,
/// which serialises them with these sends internally.) A send awaits the socket, so a slow device slows the downlink
/// pump and, through gRPC flow control, its own AI stream — nothing is queued here. A send that does not complete
/// within the send timeout means the device stopped reading: the socket is aborted (a close frame cannot get past a
/// full send buffer) and <see cref="SentClose"/> records 1008 "device stopped reading".
/// </summary>
internal sealed partial class DeviceSocketWriter : IDisposable
{
    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly TimeSpan _sendTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly Telemetry.ImMetrics? _metrics;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CancellationTokenSource? _sendTimer;
    private volatile bool _closeSent;
    private volatile bool _broken;

    // Every collaborator is stated by the caller: a forgotten timeout or clock must not quietly mean "never" or real time.
    // Metrics may be null only where nothing is exported (unit tests, micro-benchmarks): slow devices are then not counted.
    public DeviceSocketWriter(WebSocket socket, ILogger logger, TimeSpan sendTimeout, TimeProvider timeProvider, Telemetry.ImMetrics? metrics)
    {
        _socket = socket;
        _logger = logger;
        _sendTimeout = sendTimeout;
        _timeProvider = timeProvider;
        _metrics = metrics;
    }

    /// <summary>True when the device was cut off for not reading.</summary>
    public bool StoppedReading { get; private set; }

    /// <summary>True once a close was sent, a send failed or the writer was disposed: nothing more will be written.</summary>
    public bool IsClosed => _closeSent || _broken;

    /// <summary>The close the IM sent, if any.</summary>
    public DeviceClose? SentClose { get; private set; }

    /// <summary>Sends a text frame (bytes as given). False when the socket is closed or the send failed.</summary>
    public ValueTask<bool> SendTextAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken) =>
        SendAsync(utf8, WebSocketMessageType.Text, cancellationToken);

    /// <summary>Sends a binary frame. False when the socket is closed or the send failed.</summary>
    public ValueTask<bool> SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendAsync(data, WebSocketMessageType.Binary, cancellationToken);

    /// <summary>Sends the IM's own error <c>alert</c> with <paramref name="message"/>.</summary>
    public ValueTask<bool> SendAlertAsync(string message, CancellationToken cancellationToken)
    {
        LogAlert(_logger, message);
        return SendTextAsync(DeviceAlert.Error(message), cancellationToken);
    }

    /// <summary>
    /// Sends the close frame once (later calls return false). Waits for a send in progress; when
    /// <paramref name="cancellationToken"/> fires first the socket is aborted instead.
    /// </summary>
    public async Task<bool> CloseAsync(DeviceClose close, CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Abort();
            return false;
        }

        try
        {
            if (IsClosed || _socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return false;
            }

            _closeSent = true;
            SentClose = close;
            LogClosing(_logger, (int)close.Status, close.Reason);
            await _socket.CloseOutputAsync(close.Status, close.Reason, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            _broken = true;
            LogSendFailed(_logger, "close", ex.GetType().Name);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Ends the writer once its session has ended: nothing more is written, and the send timer is released (after the
    /// last send it would otherwise stay armed until the send timeout passed). A send still in progress keeps it.
    /// </summary>
    public void Dispose()
    {
        _broken = true;
        if (_gate.Wait(0))
        {
            try
            {
                _sendTimer?.Dispose();
                _sendTimer = null;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Drops the connection without a close handshake.</summary>
    public void Abort()
    {
        _broken = true;
        _socket.Abort();
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        if (IsClosed)
        {
            return false;
        }

        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        try
        {
            if (IsClosed || _socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return false;
            }

            if (_sendTimeout == Timeout.InfiniteTimeSpan)
            {
                await _socket.SendAsync(data, type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                return true;
            }

            // One timer source per writer, re-armed per send (only under the gate): no timer nor linked source per frame.
            var timer = _sendTimer;
            if (timer is null || !timer.TryReset())
            {
                timer?.Dispose();
                timer = _sendTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _timeProvider);
            }

            timer.CancelAfter(_sendTimeout);
            using var caller = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timer);
            try
            {
                await _socket.SendAsync(data, type, endOfMessage: true, timer.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The device stopped reading: its TCP window and our send buffer are full, a close frame would not get
                // through either. (Cancelling the send already aborted the socket.)
                _broken = true;
                StoppedReading = true;
                SentClose = Protocol.DeviceCloseReasons.SlowConsumer;
                _metrics?.SlowConsumerClosed();
                LogStoppedReading(_logger, _sendTimeout, data.Length);
                _socket.Abort();
                return false;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            _broken = true;
            LogSendFailed(_logger, type == WebSocketMessageType.Text ? "text" : "binary", ex.GetType().Name);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }
}
