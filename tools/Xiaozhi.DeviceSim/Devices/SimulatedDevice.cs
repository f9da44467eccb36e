using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xiaozhi.DeviceSim.Auth;
using Xiaozhi.DeviceSim.Framing;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>
/// One simulated device: a <see cref="ClientWebSocket"/> with the firmware's handshake headers, a hello, one receive
/// loop (the only writer of this device's latency histograms besides connect) and the scenario loops. Sends are
/// serialised by a per-device lock (a WebSocket allows one writer).
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    private static readonly HttpMessageInvoker SharedInvoker = new(new SocketsHttpHandler
    {
        UseProxy = false, // loopback only, never through a proxy from the environment
        ConnectTimeout = TimeSpan.FromSeconds(10),
    });

    private readonly DeviceSettings _settings;
    private readonly RunCounters _counters;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _sendBuffer;
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientWebSocket? _socket;
    private Task? _receiveLoop;
    private TaskCompletionSource _turnDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _turnEndIntended;
    private long _turnEndActual;
    private int _awaitingReply;
    private volatile bool _closing;
    private int _open;
    private uint _sequence;
    private long _lastEchoSentTicks;
    private long _lastEchoReceivedTicks;

    /// <summary>A device; nothing happens until <see cref="ConnectAsync"/>.</summary>
    public SimulatedDevice(int index, DeviceSettings settings, RunCounters counters)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(counters);
        Index = index;
        _settings = settings;
        _counters = counters;
        DeviceId = string.Format(
            CultureInfo.InvariantCulture,
            "02:{0:x2}:{1:x2}:{2:x2}:{3:x2}:{4:x2}",
            settings.DeviceIdPrefix,
            (index >> 24) & 0xff,
            (index >> 16) & 0xff,
            (index >> 8) & 0xff,
            index & 0xff);
        _sendBuffer = new byte[FrameLayout.HeaderSize(settings.ProtocolVersion) + Math.Max(settings.FrameBytes, 0)];
    }

    /// <summary>Index within its fleet.</summary>
    public int Index { get; }

    /// <summary>The MAC-style device id (<c>Device-Id</c> header and token claim).</summary>
    public string DeviceId { get; }

    /// <summary>This device's figures.</summary>
    public DeviceStats Stats { get; } = new();

    /// <summary>True while the WebSocket is open and the hello was answered.</summary>
    public bool IsOpen => Volatile.Read(ref _open) == 1;

    /// <summary>Stopwatch ticks of the send time of the latest probe whose echo came back (0 = none yet).</summary>
    public long LastEchoSentTicks => Interlocked.Read(ref _lastEchoSentTicks);

    /// <summary>Stopwatch ticks when the latest probe echo arrived (0 = none yet).</summary>
    public long LastEchoReceivedTicks => Interlocked.Read(ref _lastEchoReceivedTicks);

    /// <summary>Connects, sends the hello and waits for the server hello. False (with an error recorded) on failure.</summary>
    public async Task<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Device-Id", DeviceId);
        socket.Options.SetRequestHeader("Client-Id", "00000000-0000-4000-8000-" + Index.ToString("x12", CultureInfo.InvariantCulture));
        socket.Options.SetRequestHeader("Protocol-Version", _settings.ProtocolVersion.ToString(CultureInfo.InvariantCulture));
        var token = _settings.Token ?? (_settings.Secret is { } secret ? DeviceTokens.Mint(secret, DeviceId, _settings.UserId, TimeSpan.FromHours(12)) : null);
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        _socket = socket;
        var started = Stopwatch.GetTimestamp();
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

        Stats.Record(LatencyMetric.Connect, Histograms.TicksToMicroseconds(Stopwatch.GetTimestamp() - started));
        _receiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        if (!await SendTextAsync(
                "{\"type\":\"hello\",\"version\":" + _settings.ProtocolVersion.ToString(CultureInfo.InvariantCulture) +
                ",\"transport\":\"websocket\",\"features\":{\"mcp\":false},\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}",
                cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var finished = await Task.WhenAny(_hello.Task, Task.Delay(_settings.HelloTimeout, cancellationToken)).ConfigureAwait(false);
        if (finished != _hello.Task)
        {
            return Fail(cancellationToken.IsCancellationRequested ? "connect: cancelled" : "hello: timeout");
        }

        if (!_hello.Task.IsCompletedSuccessfully)
        {
            return false; // closed before the hello: the receive loop recorded why
        }

        Stats.Record(LatencyMetric.ConnectToHello, Histograms.TicksToMicroseconds(Stopwatch.GetTimestamp() - started));
        if (Interlocked.CompareExchange(ref _open, 1, 0) == 0)
        {
            _counters.ConnectedDelta(1);
        }

        if (_receiveLoop.IsCompleted)
        {
            SetClosed();
            return false;
        }

        return true;
    }

    /// <summary>Runs <paramref name="scenario"/> until <paramref name="endTicks"/> (a Stopwatch timestamp).</summary>
    public async Task RunAsync(Scenario scenario, ScenarioPlan plan, long endTicks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!IsOpen)
        {
            return;
        }

        var talking = scenario != Scenario.Idle;
        if (talking)
        {
            _counters.TalkingDelta(1);
        }

        try
        {
            switch (scenario)
            {
                case Scenario.Echo:
                    await EchoLoopAsync(plan.Rate, endTicks, cancellationToken).ConfigureAwait(false);
                    break;
                case Scenario.Voice:
                case Scenario.Chat:
                case Scenario.Mix:
                    await TurnLoopAsync(scenario, plan, endTicks, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await DelayUntilAsync(endTicks, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (talking)
            {
                _counters.TalkingDelta(-1);
            }
        }
    }

    /// <summary>Sends one probe now (intended = actual). False when the socket is gone.</summary>
    public Task<bool> SendProbeAsync(CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        return SendProbeAsync(now, cancellationToken);
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
                if (_receiveLoop is { } loop)
                {
                    await loop.WaitAsync(cts.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
            {
            }
        }

        socket.Abort();
        SetClosed();
        if (_receiveLoop is { } receive)
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

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        _socket?.Dispose();
        _sendLock.Dispose();
    }

    private static async Task DelayUntilAsync(long ticks, CancellationToken cancellationToken)
    {
        var remaining = ticks - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromTicks(remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EchoLoopAsync(double rate, long endTicks, CancellationToken cancellationToken)
    {
        var interval = (long)(Stopwatch.Frequency / Math.Max(rate, 0.001));
        // A random phase so that devices do not all send in the same millisecond.
        var start = Stopwatch.GetTimestamp() + (long)(Random.Shared.NextDouble() * interval);
        for (long k = 0; IsOpen; k++)
        {
            var intended = start + (k * interval);
            if (intended >= endTicks)
            {
                break;
            }

            await DelayUntilAsync(intended, cancellationToken).ConfigureAwait(false);
            if (!await SendProbeAsync(intended, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    private async Task TurnLoopAsync(Scenario scenario, ScenarioPlan plan, long endTicks, CancellationToken cancellationToken)
    {
        var frameInterval = Stopwatch.Frequency * 60 / 1000;
        // Spread the first turns over a pause so that devices do not start together.
        await DelayUntilAsync(Stopwatch.GetTimestamp() + (long)(Random.Shared.NextDouble() * plan.PauseBetweenTurns.TotalSeconds * Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        while (IsOpen && Stopwatch.GetTimestamp() < endTicks)
        {
            var voice = scenario == Scenario.Voice || (scenario == Scenario.Mix && Random.Shared.Next(2) == 0);
            _turnDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long intendedEnd;
            if (voice)
            {
                if (!await SendTextAsync("{\"type\":\"listen\",\"state\":\"start\",\"mode\":\"manual\"}", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                var start = Stopwatch.GetTimestamp();
                for (var k = 0; k < plan.UtteranceFrames && IsOpen; k++)
                {
                    await DelayUntilAsync(start + (k * frameInterval), cancellationToken).ConfigureAwait(false);
                    if (!await SendAudioAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                intendedEnd = start + (plan.UtteranceFrames * frameInterval);
                await DelayUntilAsync(intendedEnd, cancellationToken).ConfigureAwait(false);
                BeginAwaitingReply(intendedEnd);
                if (!await SendTextAsync("{\"type\":\"listen\",\"state\":\"stop\"}", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            else
            {
                intendedEnd = Stopwatch.GetTimestamp();
                BeginAwaitingReply(intendedEnd);
                if (!await SendTextAsync("{\"type\":\"chat\",\"text\":\"what is the weather like\"}", cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            var finished = await Task.WhenAny(_turnDone.Task, Task.Delay(_settings.TurnTimeout, cancellationToken)).ConfigureAwait(false);
            if (finished != _turnDone.Task)
            {
                Interlocked.Exchange(ref _awaitingReply, 0);
                Error(voice ? "voice turn: timeout" : "chat turn: timeout");
            }

            await DelayUntilAsync(Stopwatch.GetTimestamp() + (long)(plan.PauseBetweenTurns.TotalSeconds * Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
    }

    private void BeginAwaitingReply(long intendedEnd)
    {
        Interlocked.Exchange(ref _turnEndIntended, intendedEnd);
        Interlocked.Exchange(ref _turnEndActual, Stopwatch.GetTimestamp());
        Interlocked.Exchange(ref _awaitingReply, 1);
    }

    private void OnTurnReply(long now)
    {
        if (Interlocked.Exchange(ref _awaitingReply, 0) == 1)
        {
            Stats.Record(LatencyMetric.TurnReply, Histograms.TicksToMicroseconds(now - Interlocked.Read(ref _turnEndActual)));
            Stats.Record(LatencyMetric.TurnReplyIntended, Histograms.TicksToMicroseconds(now - Interlocked.Read(ref _turnEndIntended)));
        }
    }

    private async Task<bool> SendProbeAsync(long intendedTicks, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var header = FrameLayout.HeaderSize(_settings.ProtocolVersion);
            var payloadLength = _sendBuffer.Length - header;
            var sent = Stopwatch.GetTimestamp();
            FrameLayout.WriteHeader(_settings.ProtocolVersion, _sendBuffer, payloadLength, (uint)Environment.TickCount);
            if (payloadLength >= ProbePayload.Size)
            {
                ProbePayload.Write(_sendBuffer.AsSpan(header), Index, _sequence++, intendedTicks, sent);
            }

            return await SendLockedAsync(_sendBuffer, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task<bool> SendAudioAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var header = FrameLayout.HeaderSize(_settings.ProtocolVersion);
            FrameLayout.WriteHeader(_settings.ProtocolVersion, _sendBuffer, _sendBuffer.Length - header, (uint)Environment.TickCount);
            _sendBuffer.AsSpan(header).Fill(0xF8); // not a probe: the stub plays it back in its reply
            return await SendLockedAsync(_sendBuffer, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task<bool> SendTextAsync(string text, CancellationToken cancellationToken)
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
                Stats.CountSent();
                _counters.Sent();
            }

            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            if (!_closing)
            {
                Error("send: " + (ex is WebSocketException ws ? ws.WebSocketErrorCode.ToString() : ex.GetType().Name));
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
                        Error("closed by server: " + (socket.CloseStatus is { } status ? ((int)status).ToString(CultureInfo.InvariantCulture) : "no status"));
                        _counters.Disconnected();
                    }

                    return;
                }

                _counters.Received();
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    OnBinary(buffer.AsSpan(0, count), now);
                }
                else
                {
                    OnText(buffer.AsSpan(0, count), now);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            if (!_closing)
            {
                Error("receive: " + (ex is WebSocketException ws ? ws.WebSocketErrorCode.ToString() : ex.GetType().Name));
                _counters.Disconnected();
            }
        }
        finally
        {
            SetClosed();
        }
    }

    private void OnBinary(ReadOnlySpan<byte> frame, long now)
    {
        if (!FrameLayout.TryGetPayload(_settings.ProtocolVersion, frame, out var payload))
        {
            Error("receive: malformed binary frame");
            return;
        }

        if (ProbePayload.TryRead(payload, out var stamp) && stamp.DeviceIndex == Index)
        {
            var roundTrip = Histograms.TicksToMicroseconds(now - stamp.SentTicks);
            Stats.RecordEcho(roundTrip, Histograms.TicksToMicroseconds(now - stamp.IntendedTicks));
            EchoTimeline.Current?.Record(stamp.SentTicks, roundTrip);
            InterlockedMax(ref _lastEchoSentTicks, stamp.SentTicks);
            Interlocked.Exchange(ref _lastEchoReceivedTicks, now);
            return;
        }

        OnTurnReply(now);
    }

    private void OnText(ReadOnlySpan<byte> utf8, long now)
    {
        string? type = null;
        string? state = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isType = reader.ValueTextEquals("type"u8);
                    var isState = reader.ValueTextEquals("state"u8);
                    reader.Read();
                    if (isType && reader.TokenType == JsonTokenType.String)
                    {
                        type = reader.GetString();
                    }
                    else if (isState && reader.TokenType == JsonTokenType.String)
                    {
                        state = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            return; // non-JSON text: an application ping echoed
        }

        switch (type)
        {
            case "hello":
                _hello.TrySetResult();
                break;
            case "stt":
            case "llm":
                OnTurnReply(now);
                break;
            case "tts":
                OnTurnReply(now);
                if (state == "stop")
                {
                    _turnDone.TrySetResult();
                }

                break;
            case "alert":
                Error("alert from server");
                OnTurnReply(now);
                _turnDone.TrySetResult();
                break;
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void SetClosed()
    {
        if (Interlocked.Exchange(ref _open, 0) == 1)
        {
            _counters.ConnectedDelta(-1);
        }

        _hello.TrySetCanceled();
        _turnDone.TrySetResult();
    }

    private bool Fail(string kind)
    {
        Error(kind);
        return false;
    }

    private void Error(string kind)
    {
        Stats.Error(kind);
        _counters.Error();
    }
}
