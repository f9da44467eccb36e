using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using Xiaozhi.DeviceSim.Auth;
using Xiaozhi.DeviceSim.Framing;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>
/// A simulated device's connection: a <see cref="ClientWebSocket"/> with the firmware's handshake headers, sends
/// serialised by a per-device lock (a WebSocket allows one writer) into one reused frame buffer, and one receive
/// loop that hands whole messages to the device.
/// </summary>
internal sealed class DeviceSocket : IDisposable
{
    private static readonly HttpMessageInvoker SharedInvoker = new(new SocketsHttpHandler
    {
        UseProxy = false, // loopback only, never through a proxy from the environment
        ConnectTimeout = TimeSpan.FromSeconds(10),
    });

    private readonly DeviceSettings _settings;
    private readonly DeviceStats _stats;
    private readonly RunCounters _counters;
    private readonly IDeviceFrameHandler _handler;
    private readonly Action<string> _error;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _sendBuffer;
    private readonly int _header;
    private ClientWebSocket? _socket;
    private volatile bool _closing;
    private uint _sequence;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a protocol version with no frame layout.</summary>
    public DeviceSocket(DeviceSettings settings, DeviceStats stats, RunCounters counters, IDeviceFrameHandler handler, Action<string> error)
    {
        _settings = settings;
        _stats = stats;
        _counters = counters;
        _handler = handler;
        _error = error;
        _header = FrameLayout.HeaderSize(settings.ProtocolVersion);
        _sendBuffer = new byte[_header + Math.Max(settings.FrameBytes, 0)];
    }

    /// <summary>Stopwatch timestamp of the dial, the start of the connect-to-hello time.</summary>
    public long DialedTicks { get; private set; }

    /// <summary>The receive loop, once connected.</summary>
    public Task? ReceiveLoop { get; private set; }

    /// <summary>Dials with the firmware's headers and starts the receive loop; false (with the error recorded) on failure.</summary>
    public async Task<bool> ConnectAsync(string deviceId, int index, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Device-Id", deviceId);
        socket.Options.SetRequestHeader("Client-Id", "00000000-0000-4000-8000-" + index.ToString("x12", CultureInfo.InvariantCulture));
        socket.Options.SetRequestHeader("Protocol-Version", _settings.ProtocolVersion.ToString(CultureInfo.InvariantCulture));
        var token = _settings.Token ?? (_settings.Secret is { } secret ? DeviceTokens.Mint(secret, deviceId, _settings.UserId, TimeSpan.FromHours(12)) : null);
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        _socket = socket;
        DialedTicks = Stopwatch.GetTimestamp();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_settings.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(_settings.Url, SharedInvoker, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Fail("connect: timeout");
            }
            catch (WebSocketException ex)
            {
                return Fail(socket.HttpStatusCode != 0
                    ? "connect: HTTP " + ((int)socket.HttpStatusCode).ToString(CultureInfo.InvariantCulture)
                    : "connect: " + ex.WebSocketErrorCode);
            }
            catch (HttpRequestException ex)
            {
                return Fail("connect: " + (ex.HttpRequestError == HttpRequestError.Unknown ? ex.GetType().Name : ex.HttpRequestError.ToString()));
            }
        }

        _stats.Record(LatencyMetric.Connect, Histograms.TicksToMicroseconds(Stopwatch.GetTimestamp() - DialedTicks));
        ReceiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        return true;
    }

    /// <summary>A probe frame (intended and actual send time stamped in it when the payload has room). False when the socket is gone.</summary>
    public async Task<bool> SendProbeAsync(int deviceIndex, long intendedTicks, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var payloadLength = _sendBuffer.Length - _header;
            var sent = Stopwatch.GetTimestamp();
            FrameLayout.WriteHeader(_settings.ProtocolVersion, _sendBuffer, payloadLength, (uint)Environment.TickCount);
            if (payloadLength >= ProbePayload.Size)
            {
                ProbePayload.Write(_sendBuffer.AsSpan(_header), deviceIndex, _sequence++, intendedTicks, sent);
            }

            return await SendLockedAsync(_sendBuffer, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>An audio frame that is not a probe: the stub plays it back in its reply.</summary>
    public async Task<bool> SendAudioAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FrameLayout.WriteHeader(_settings.ProtocolVersion, _sendBuffer, _sendBuffer.Length - _header, (uint)Environment.TickCount);
            _sendBuffer.AsSpan(_header).Fill(0xF8);
            return await SendLockedAsync(_sendBuffer, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async Task<bool> SendTextAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendLockedAsync(bytes, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Closes: a close handshake bounded by <paramref name="timeout"/>, or an abort when it is zero.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        _closing = true;
        var socket = _socket;
        if (socket is null)
        {
            return;
        }

        if (timeout > TimeSpan.Zero && socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token).ConfigureAwait(false);
                if (ReceiveLoop is { } loop)
                {
                    await loop.WaitAsync(cts.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
            {
            }
        }

        socket.Abort();
        _handler.OnClosed();
        if (ReceiveLoop is { } receive)
        {
            try
            {
                await receive.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _sendLock.Dispose();
    }

    private async Task<bool> SendLockedAsync(byte[] bytes, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        var socket = _socket;
        if (socket is null || socket.State != WebSocketState.Open)
        {
            return false;
        }

        try
        {
            await socket.SendAsync(bytes, type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Binary)
            {
                _stats.CountSent();
                _counters.Sent();
            }

            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            if (!_closing)
            {
                _error("send: " + (ex is WebSocketException ws ? ws.WebSocketErrorCode.ToString() : ex.GetType().Name));
            }

            return false;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var socket = _socket!;
        var buffer = new byte[Math.Max(4096, _sendBuffer.Length * 2)];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                var now = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (!_closing)
                    {
                        _error("closed by server: " + (socket.CloseStatus is { } status ? ((int)status).ToString(CultureInfo.InvariantCulture) : "no status"));
                        _counters.Disconnected();
                    }

                    return;
                }

                _counters.Received();
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    _handler.OnBinary(buffer.AsSpan(0, count), now);
                }
                else
                {
                    _handler.OnText(buffer.AsSpan(0, count), now);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            if (!_closing)
            {
                _error("receive: " + (ex is WebSocketException ws ? ws.WebSocketErrorCode.ToString() : ex.GetType().Name));
                _counters.Disconnected();
            }
        }
        finally
        {
            _handler.OnClosed();
        }
    }

    private bool Fail(string kind)
    {
        _error(kind);
        return false;
    }
}
