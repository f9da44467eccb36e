using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Xiaozhi.Im.Service.Devices.Connect;

namespace Xiaozhi.Im.Service.Devices;

/// <summary>
/// The only thing on the device port: the connect steps in order (<c>Devices/Connect/</c>), each returning a
/// <see cref="ConnectRefusal"/> or letting the <see cref="ConnectAttempt"/> go on, then the session. Every refusal is a
/// short plain-text reason before any upgrade, answered by <see cref="ConnectRefusals"/>.
/// </summary>
internal sealed class DeviceWebSocketEndpoint(
    RequestGate gate,
    AdmissionStep admission,
    IdentityStep identity,
    TokenStep token,
    DeviceClaimStep claim,
    StreamStep stream,
    SessionStart start,
    ConnectRefusals refusals)
{
    /// <summary>Handles one request on the device port.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        using var attempt = new ConnectAttempt(context);
        var refusal = gate.Check(context) ?? admission.Admit(attempt) ?? identity.Identify(attempt);
        if (refusal is not null)
        {
            await refusals.AnswerAsync(context, refusal).ConfigureAwait(false);
            return;
        }

        using var scope = identity.BeginScope(attempt);
        refusal = await token.ValidateAsync(attempt).ConfigureAwait(false)
            ?? await claim.ClaimAsync(attempt).ConfigureAwait(false)
            ?? await stream.OpenAsync(attempt).ConfigureAwait(false)
            // Checked again: the drain may have begun during the awaits above (token, claim, stream), and refusing now
            // is better than accepting a session only to close it 1001 at once.
            ?? gate.CheckDraining()
            ?? await claim.ConfirmAsync(attempt).ConfigureAwait(false);
        if (refusal is not null)
        {
            await refusals.AnswerAsync(context, refusal).ConfigureAwait(false);
            return;
        }

        // StreamStep started the session span inside its own async method, and Activity.Current (an AsyncLocal) does
        // not flow back out of one: the session runs under its span (turn spans, span events) only when set here.
        Activity.Current = attempt.Span;
        await start.RunAsync(attempt).ConfigureAwait(false);
    }

    /// <summary>The device's address as the session records it: with its port when known, else the address alone.</summary>
    internal static string FormatRemote(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => "unknown",
        // X-Forwarded-For from a trusted proxy rarely carries a port: the middleware leaves RemotePort 0 then.
        var address when connection.RemotePort == 0 => address.ToString(),
        var address => new System.Net.IPEndPoint(address, connection.RemotePort).ToString(),
    };
}
