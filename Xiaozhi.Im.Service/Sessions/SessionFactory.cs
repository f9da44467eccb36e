using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Telemetry;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Builds a <see cref="Session"/> for an accepted WebSocket and its opened ChatStream, with the host's settings and services.</summary>
internal sealed class SessionFactory
{
    private readonly IChatStreamSource _streams;
    private readonly UplinkLimits _uplinkLimits;
    private readonly LimitsOptions _limits;
    private readonly ResumeOptions _resume;
    private readonly MovesOptions _moves;
    private readonly ImMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly SessionLoggers _loggers;
    private readonly NodeBufferBudget _budget;

    public SessionFactory(
        IOptions<DeviceWebSocketOptions> webSocket,
        IOptions<LimitsOptions> limits,
        IOptions<AiOptions> ai,
        AiEndpointPool streams,
        ImMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        NodeBufferBudget budget)
    {
        var socket = webSocket.Value;
        _limits = limits.Value;
        _uplinkLimits = new UplinkLimits(socket.MaxTextFrameBytes, socket.MaxBinaryFrameBytes, ai.Value.MaxMessageBytes, _limits.InitialReceiveBufferBytes, _limits.CloseTimeout)
        {
            MaxControlFrameBytes = socket.MaxControlFrameBytes,
        };
        _budget = budget;
        _resume = ai.Value.Resume;
        _moves = ai.Value.Moves;
        _streams = streams;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _loggers = SessionLoggers.From(loggerFactory);
    }

    public Session Create(SessionMetadata metadata, WebSocket socket, UpstreamChatStream upstream) =>
        new(metadata, socket, upstream, _streams, _uplinkLimits, _limits, _resume, _timeProvider, _loggers, _metrics, _budget, _moves);
}
