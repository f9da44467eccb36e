using System.Net.WebSockets;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Protocol;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// One device connection = one session = one ChatStream. Runs the <see cref="UplinkPump"/> and the
/// <see cref="DownlinkPump"/> and winds both down when either side ends:
/// device left → complete the request stream, give the responses <see cref="LimitsOptions.UpstreamDrainTimeout"/> to end,
/// dispose the call; AI service ended/failed → <c>alert</c>, close 1011, wait for the device's close answer.
/// </summary>
public sealed partial class Session : IDeviceSession
{
    private readonly WebSocket _socket;
    private readonly UpstreamChatStream _upstream;
    private readonly LimitsOptions _limits;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly UplinkPump _uplink;
    private readonly DownlinkPump _downlink;

    /// <summary>Creates the session for an accepted WebSocket and its opened ChatStream.</summary>
    public Session(
        SessionMetadata metadata,
        WebSocket socket,
        UpstreamChatStream upstream,
        UplinkLimits uplinkLimits,
        LimitsOptions limits,
        TimeProvider timeProvider,
        ILogger logger)
    {
        Metadata = metadata;
        _socket = socket;
        _upstream = upstream;
        _limits = limits;
        _timeProvider = timeProvider;
        _logger = logger;
        _stop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        Writer = new DeviceSocketWriter(socket, logger);
        _uplink = new UplinkPump(socket, Writer, upstream, metadata, uplinkLimits, timeProvider, logger);
        _downlink = new DownlinkPump(upstream, Writer, metadata, timeProvider, logger);
    }

    /// <summary>Who the session belongs to.</summary>
    public SessionMetadata Metadata { get; }

    /// <inheritdoc />
    public string DeviceId => Metadata.DeviceId;

    /// <inheritdoc />
    public string SessionId => Metadata.SessionId;

    /// <summary>The only writer of the device's WebSocket.</summary>
    public DeviceSocketWriter Writer { get; }

    /// <summary>Runs the session to its end. <paramref name="hostStopping"/> only stops it hard; a graceful stop is <see cref="CloseAsync"/>.</summary>
    public async Task RunAsync(CancellationToken hostStopping)
    {
        var hardStop = hostStopping.Register(static s => ((CancellationTokenSource)s!).CancelAfter(TimeSpan.FromSeconds(5)), _stop);
        LogSessionStarted(_logger, Metadata.ProtocolVersion, Metadata.UserId is not null, _upstream.Endpoint);
        var token = _stop.Token;
        var uplink = _uplink.RunAsync(token);
        var downlink = _downlink.RunAsync(token);
        try
        {
            var first = await Task.WhenAny(uplink, downlink).ConfigureAwait(false);
            if (first == uplink && await uplink.ConfigureAwait(false) != UplinkEnd.UpstreamWriteFailed)
            {
                await FinishAfterDeviceLeftAsync(await uplink.ConfigureAwait(false), downlink).ConfigureAwait(false);
            }
            else
            {
                await FinishAfterUpstreamEndedAsync(uplink, downlink).ConfigureAwait(false);
            }
        }
        finally
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
            {
                Writer.Abort();
            }

            await Task.WhenAll(Settle(uplink), Settle(downlink)).ConfigureAwait(false);
            _upstream.Dispose();
            await hardStop.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
            LogSessionEnded(_logger, Writer.SentClose?.ToString() ?? "(none)");
        }
    }

    /// <inheritdoc />
    public async Task CloseAsync(DeviceClose close)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            await Writer.CloseAsync(close, timeout.Token).ConfigureAwait(false);
            // The device's close answer ends the uplink pump; a device that never answers is cut off.
            _stop.CancelAfter(_limits.CloseTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The session already ended.
        }
    }

    private async Task FinishAfterDeviceLeftAsync(UplinkEnd end, Task<DownlinkEnd> downlink)
    {
        if (end == UplinkEnd.DeviceClosed && _socket.State == WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            await Writer.CloseAsync(DeviceCloseReasons.Normal, timeout.Token).ConfigureAwait(false);
        }

        await _upstream.CompleteRequestsAsync().ConfigureAwait(false);
        try
        {
            await downlink.WaitAsync(_limits.UpstreamDrainTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(_logger, _limits.UpstreamDrainTimeout);
        }
    }

    private async Task FinishAfterUpstreamEndedAsync(Task<UplinkEnd> uplink, Task<DownlinkEnd> downlink)
    {
        // When the uplink noticed first (a failed write), the response stream reports the real status shortly.
        DownlinkEnd end;
        try
        {
            end = await downlink.WaitAsync(_limits.UpstreamDrainTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            end = new DownlinkEnd(DownlinkEndKind.Failed, StatusCode.Unavailable);
        }

        if (end.Kind != DownlinkEndKind.Cancelled && !Writer.IsClosed)
        {
            using var timeout = new CancellationTokenSource(_limits.CloseTimeout, _timeProvider);
            var (alert, close) = end.Kind == DownlinkEndKind.Completed
                ? (DeviceAlertMessages.UpstreamEnded, DeviceCloseReasons.UpstreamEnded)
                : (DeviceAlertMessages.UpstreamFailed, DeviceCloseReasons.UpstreamFailed(end.Status.ToString()));
            await Writer.SendAlertAsync(alert, timeout.Token).ConfigureAwait(false);
            await Writer.CloseAsync(close, timeout.Token).ConfigureAwait(false);
        }

        try
        {
            await uplink.WaitAsync(_limits.CloseTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private static async Task Settle(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Both pumps report their ends as values; anything else was logged where it happened.
        }
    }
}
