namespace Xiaozhi.Im.Service.Sessions;

/// <summary>What happens when a device connects while a session for the same <c>Device-Id</c> is live.</summary>
internal enum DuplicateDevicePolicy
{
    /// <summary>The new connection wins; the old one is closed 1008 "replaced by a new connection for this device". Default.</summary>
    Replace,

    /// <summary>The old connection stays; the new one gets HTTP 409 before the upgrade.</summary>
    Reject,
}
