using System.Net.WebSockets;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Admission;

/// <summary>
/// Per-session admission policies, fed by <see cref="MonitoredWebSocket"/> with every message the device sends:
/// a <c>hello</c> within <see cref="AdmissionOptions.HelloTimeout"/> (else close 1008), some conversation within every
/// <see cref="AdmissionOptions.IdleTimeout"/> (else close 1000), and no sustained flood above
/// <see cref="AdmissionOptions.MessagesPerSecond"/> (else an alert and close 1008). Timers run on the injected
/// <see cref="TimeProvider"/>. Each policy acts once; the session's own close path does the rest.
/// </summary>
/// <remarks>
/// Idle means neither side spoke: no device frame and no AI frame for the whole timeout, and the AI not in the middle of
/// an answer (<see cref="AiActivity.Speaking"/>) — a long story is not cut off because the device only listens. Both
/// sides note a timestamp per frame; the timer is re-armed lazily when it fires, from the later of the two.
/// </remarks>
internal sealed partial class DeviceActivityMonitor : IDisposable
{
    private const int HelloSniffBytes = 4096;

    private readonly AdmissionOptions _options;
    private readonly TokenBucket _messages;
    private ITimer? _helloTimer;
    private readonly ITimer _idleTimer;
    private readonly ImMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _closeTimeout;
    private byte[]? _head; // rented only until the hello arrives: idle sessions hold no sniff buffer
    private int _headLength;
    private bool _helloSeen;
    private int _acted;
    private readonly IDeviceSession _session;
    private readonly DeviceSocketWriter _writer;
    private readonly AiActivity? _ai;
    private long _lastDeviceFrame;

    /// <summary>
    /// Starts the hello and idle clocks for <paramref name="session"/>, whose <paramref name="writer"/> sends the flood alert;
    /// <paramref name="ai"/> is what the AI does for it (null: only the device's frames count).
    /// </summary>
    public DeviceActivityMonitor(AdmissionOptions options, TimeSpan closeTimeout, TimeProvider time, ILogger logger, ImMetrics metrics, IDeviceSession session, DeviceSocketWriter writer, AiActivity? ai)
    {
        _options = options;
        _closeTimeout = closeTimeout;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _session = session;
        _writer = writer;
        _ai = ai;
        _messages = new TokenBucket(options.MessagesPerSecond, options.MessageBurst, time);
        _helloTimer = time.CreateTimer(static s => ((DeviceActivityMonitor)s!).Violate(Policy.Hello), this, options.HelloTimeout, Timeout.InfiniteTimeSpan);
        _lastDeviceFrame = time.GetTimestamp();
        _idleTimer = time.CreateTimer(static s => ((DeviceActivityMonitor)s!).OnIdleDue(), this, options.IdleTimeout, Timeout.InfiniteTimeSpan);
    }

    private enum Policy
    {
        Hello,
        Idle,
        Flood,
    }

    /// <summary>Which policy closed the session, if any (tests, logs).</summary>
    public string? ClosedBy { get; private set; }

    /// <summary>One receive completed on the device's socket (a whole message or a part of one).</summary>
    public void OnReceived(WebSocketMessageType type, bool endOfMessage, ReadOnlySpan<byte> chunk)
    {
        if (type == WebSocketMessageType.Close)
        {
            return;
        }

        Volatile.Write(ref _lastDeviceFrame, _time.GetTimestamp());
        if (!_helloSeen && type == WebSocketMessageType.Text)
        {
            _head ??= System.Buffers.ArrayPool<byte>.Shared.Rent(HelloSniffBytes);
            var take = Math.Min(chunk.Length, HelloSniffBytes - _headLength);
            chunk[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
        }

        if (!endOfMessage)
        {
            return;
        }

        if (!_helloSeen && type == WebSocketMessageType.Text)
        {
            if (JsonMessageTypeSniffer.Sniff(_head.AsSpan(0, _headLength)).Is("hello"))
            {
                _helloSeen = true;
                Interlocked.Exchange(ref _helloTimer, null)?.Dispose(); // not kept for the session's lifetime
                ReturnHead();
            }

            _headLength = 0;
        }

        if (!_messages.TryTake())
        {
            Violate(Policy.Flood);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Interlocked.Exchange(ref _helloTimer, null)?.Dispose();
        _idleTimer.Dispose();
        ReturnHead();
    }

    private void ReturnHead()
    {
        if (_head is { } head)
        {
            _head = null;
            System.Buffers.ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>The idle timer fired: closes the session, or re-arms for what is left of the quiet period.</summary>
    private void OnIdleDue()
    {
        var quiet = _time.GetElapsedTime(Volatile.Read(ref _lastDeviceFrame));
        if (_ai is { } ai)
        {
            quiet = ai.Speaking ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(quiet.Ticks, ai.SinceLastFrame.Ticks));
        }

        if (quiet < _options.IdleTimeout)
        {
            try
            {
                _idleTimer.Change(_options.IdleTimeout - quiet, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The session ended while the timer fired.
            }

            return;
        }

        Violate(Policy.Idle);
    }

    private void Violate(Policy policy)
    {
        if (Interlocked.Exchange(ref _acted, 1) != 0)
        {
            return;
        }

        _ = ActAsync(policy);
    }

    private async Task ActAsync(Policy policy)
    {
        var (close, alert) = policy switch
        {
            Policy.Hello => (AdmissionCloseReasons.NoHello(_options.HelloTimeout), (string?)null),
            Policy.Idle => (AdmissionCloseReasons.Idle(_options.IdleTimeout), null),
            _ => (AdmissionCloseReasons.Flood(_options.MessagesPerSecond), AdmissionCloseReasons.FloodAlert),
        };
        ClosedBy = policy.ToString();
        LogPolicyClose(_logger, policy.ToString(), (int)close.Status);
        _metrics.Closed((int)close.Status);
        try
        {
            if (alert is not null)
            {
                using var timeout = new CancellationTokenSource(_closeTimeout, _time);
                await _writer.SendAlertAsync(alert, timeout.Token).ConfigureAwait(false);
            }

            await _session.CloseAsync(close).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            LogPolicyCloseFailed(_logger, policy.ToString(), ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Admission policy {Policy} closes the session with {CloseCode}")]
    private static partial void LogPolicyClose(ILogger logger, string policy, int closeCode);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Admission policy {Policy} could not close the session cleanly ({Exception})")]
    private static partial void LogPolicyCloseFailed(ILogger logger, string policy, string exception);
}
