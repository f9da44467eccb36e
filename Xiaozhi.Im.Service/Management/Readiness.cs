namespace Xiaozhi.Im.Service.Management;

/// <summary>Whether the IM should get new devices now, and why not.</summary>
/// <param name="Ready">True when at least one AI endpoint is serving and the host is not draining.</param>
/// <param name="Reason">A short human-readable explanation.</param>
internal readonly record struct Readiness(bool Ready, string Reason);
