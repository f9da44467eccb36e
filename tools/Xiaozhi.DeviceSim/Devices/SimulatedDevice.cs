using System.Diagnostics;
using System.Globalization;
using Xiaozhi.DeviceSim.Framing;
using Xiaozhi.DeviceSim.Stats;

namespace Xiaozhi.DeviceSim.Devices;

/// <summary>
/// One simulated device: its <see cref="DeviceSocket"/>, the hello, and the scenarios (<see cref="EchoScenario"/>,
/// <see cref="TurnScenario"/>). The socket's receive loop is the only writer of this device's latency histograms
/// besides connect.
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable, IDeviceFrameHandler
{
    private readonly DeviceSettings _settings;
    private readonly RunCounters _counters;
    private readonly DeviceSocket _socket;
    private readonly EchoScenario _echo;
    private readonly TurnScenario _turns;
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _open;

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
        _socket = new DeviceSocket(settings, Stats, counters, this, Error);
        _echo = new EchoScenario(this, _socket);
        _turns = new TurnScenario(this, _socket, settings.TurnTimeout, Error);
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
    public long LastEchoSentTicks => _echo.LastEchoSentTicks;

    /// <summary>Stopwatch ticks when the latest probe echo arrived (0 = none yet).</summary>
    public long LastEchoReceivedTicks => _echo.LastEchoReceivedTicks;

    /// <summary>Connects, sends the hello and waits for the server hello. False (with an error recorded) on failure.</summary>
    public async Task<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        if (!await _socket.ConnectAsync(DeviceId, Index, cancellationToken).ConfigureAwait(false) ||
            !await _socket.SendTextAsync(
                "{\"type\":\"hello\",\"version\":" + _settings.ProtocolVersion.ToString(CultureInfo.InvariantCulture) +
                ",\"transport\":\"websocket\",\"features\":{\"mcp\":false},\"audio_params\":{\"format\":\"opus\",\"sample_rate\":16000,\"channels\":1,\"frame_duration\":60}}",
                cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var finished = await Task.WhenAny(_hello.Task, Task.Delay(_settings.HelloTimeout, cancellationToken)).ConfigureAwait(false);
        if (finished != _hello.Task)
        {
            Error(cancellationToken.IsCancellationRequested ? "connect: cancelled" : "hello: timeout");
            return false;
        }

        if (!_hello.Task.IsCompletedSuccessfully)
        {
            return false; // closed before the hello: the receive loop recorded why
        }

        Stats.Record(LatencyMetric.ConnectToHello, Histograms.TicksToMicroseconds(Stopwatch.GetTimestamp() - _socket.DialedTicks));
        if (Interlocked.CompareExchange(ref _open, 1, 0) == 0)
        {
            _counters.ConnectedDelta(1);
        }

        if (_socket.ReceiveLoop!.IsCompleted)
        {
            ((IDeviceFrameHandler)this).OnClosed();
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
                    await _echo.RunAsync(plan.Rate, endTicks, cancellationToken).ConfigureAwait(false);
                    break;
                case Scenario.Voice:
                case Scenario.Chat:
                case Scenario.Mix:
                    await _turns.RunAsync(scenario, plan, endTicks, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await StopwatchTime.DelayUntilAsync(endTicks, cancellationToken).ConfigureAwait(false);
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
    public Task<bool> SendProbeAsync(CancellationToken cancellationToken) =>
        _socket.SendProbeAsync(Index, Stopwatch.GetTimestamp(), cancellationToken);

    /// <summary>Closes: a close handshake bounded by <paramref name="timeout"/>, or an abort when it is zero.</summary>
    public Task CloseAsync(TimeSpan timeout) => _socket.CloseAsync(timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        _socket.Dispose();
    }

    void IDeviceFrameHandler.OnBinary(ReadOnlySpan<byte> frame, long now)
    {
        if (!FrameLayout.TryGetPayload(_settings.ProtocolVersion, frame, out var payload))
        {
            Error("receive: malformed binary frame");
            return;
        }

        if (!_echo.TryRecordEcho(payload, now))
        {
            _turns.OnReply(now);
        }
    }

    void IDeviceFrameHandler.OnText(ReadOnlySpan<byte> utf8, long now)
    {
        if (!ServerText.TryRead(utf8, out var type, out var state))
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
                _turns.OnReply(now);
                break;
            case "tts":
                _turns.OnReply(now);
                if (state == "stop")
                {
                    _turns.OnTurnOver();
                }

                break;
            case "alert":
                Error("alert from server");
                _turns.OnReply(now);
                _turns.OnTurnOver();
                break;
        }
    }

    void IDeviceFrameHandler.OnClosed()
    {
        if (Interlocked.Exchange(ref _open, 0) == 1)
        {
            _counters.ConnectedDelta(-1);
        }

        _hello.TrySetCanceled();
        _turns.OnTurnOver();
    }

    private void Error(string kind)
    {
        Stats.Error(kind);
        _counters.Error();
    }
}
