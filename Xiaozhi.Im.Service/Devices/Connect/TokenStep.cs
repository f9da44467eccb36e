using Microsoft.Extensions.Options;
using Xiaozhi.Im.Service.Auth;

namespace Xiaozhi.Im.Service.Devices.Connect;

/// <summary>The device's JWT (401), or with <c>Auth:Enabled=false</c> at least a Device-Id (400).</summary>
internal sealed class TokenStep(IOptions<AuthOptions> auth, DeviceTokenValidator tokens)
{
    public async ValueTask<ConnectRefusal?> ValidateAsync(ConnectAttempt attempt)
    {
        var identity = attempt.Identity;
        if (!auth.Value.Enabled)
        {
            return identity.DeviceId is null ? ConnectRefusal.NoDeviceId : null;
        }

        var result = await tokens.ValidateAsync(identity.Token, identity.DeviceId).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return ConnectRefusal.Unauthorized(result.FailureReason!, identity.Token is not null);
        }

        attempt.UserId = result.UserId;
        return null;
    }
}
