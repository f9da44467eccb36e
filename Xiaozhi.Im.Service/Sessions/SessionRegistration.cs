namespace Xiaozhi.Im.Service.Sessions;

/// <summary>The outcome of <see cref="ISessionRegistry.Register"/>.</summary>
/// <param name="Accepted">False when the policy is Reject and another session of the device is live.</param>
/// <param name="Replaced">The session the new one replaced (to be closed by the caller), if any.</param>
internal readonly record struct SessionRegistration(bool Accepted, IDeviceSession? Replaced);
