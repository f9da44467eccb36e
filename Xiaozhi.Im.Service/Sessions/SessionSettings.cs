using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Admission;
using Xiaozhi.Im.Service.Devices;
using Xiaozhi.Im.Service.Upstream;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>The node's settings every session runs under, bound once at start-up.</summary>
internal sealed record SessionSettings(
    UplinkLimits Uplink,
    LimitsOptions Limits,
    ResumeOptions Resume,
    MovesOptions Moves,
    AdmissionOptions Admission)
{
    /// <summary>From the validated options (<c>WebSocket:</c>, <c>Limits:</c>, <c>Ai:</c>, <c>Admission:</c>).</summary>
    public static SessionSettings From(IServiceProvider services)
    {
        var socket = services.GetRequiredService<IOptions<DeviceWebSocketOptions>>().Value;
        var limits = services.GetRequiredService<IOptions<LimitsOptions>>().Value;
        var ai = services.GetRequiredService<IOptions<AiOptions>>().Value;
        var uplink = new UplinkLimits(socket.MaxTextFrameBytes, socket.MaxBinaryFrameBytes, ai.MaxMessageBytes, limits.InitialReceiveBufferBytes, limits.CloseTimeout)
        {
            MaxControlFrameBytes = socket.MaxControlFrameBytes,
        };
        return new(uplink, limits, ai.Resume, ai.Moves, services.GetRequiredService<IOptions<AdmissionOptions>>().Value);
    }
}
