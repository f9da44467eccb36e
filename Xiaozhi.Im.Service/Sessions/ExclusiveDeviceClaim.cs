namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// A single-node claim under policy Reject: the device is this connection's from the claim until its session registers
/// (or the attempt ends without one), so a second connection of the device meanwhile is refused before its upgrade.
/// </summary>
internal sealed class ExclusiveDeviceClaim(SessionRegistry registry, string deviceId) : DeviceClaim(true)
{
    protected override void Dispose(bool disposing) => registry.Release(deviceId, this);
}
