using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Sessions;
using Xiaozhi.Im.Service.Telemetry;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>After every check passed: accept the upgrade, build the session around it, register it, run it to its end.</summary>
internal sealed class SessionStart(
    IOptions<DeviceWebSocketOptions> webSocket,
    SessionFactory sessions,
    DeviceClaimStep claim,
    RequestGate gate,
    ImMetrics metrics,
    IHostApplicationLifetime lifetime)
{
    public async Task RunAsync(ConnectAttempt attempt)
    {
        var socket = await attempt.Context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = webSocket.Value.KeepAliveInterval,
            DangerousEnableCompression = false,
        }).ConfigureAwait(false);
        using (socket)
        {
            var session = sessions.Create(attempt.Metadata, socket, attempt.HandOverStream());
            if (await claim.RegisterAsync(session, attempt).ConfigureAwait(false) && gate.IsDraining)
            {
                // Registered after the drain took its snapshot of the sessions (the upgrade was already answered): the
                // drain does not know this session, so it drains itself — 1001 at once, as for any idle session.
                session.BeginDrain();
            }

            metrics.SessionStarted();
            try
            {
                await session.RunAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            finally
            {
                metrics.SessionEnded();
                claim.Unregister(session);
            }
        }
    }
}
