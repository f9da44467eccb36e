namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Session rules (section <c>Sessions</c>).</summary>
internal sealed class DeviceSessionOptions
{
    public const string SectionName = "Sessions";

    /// <summary><c>Replace</c> (default) or <c>Reject</c>.</summary>
    public DuplicateDevicePolicy DuplicateDevicePolicy { get; set; } = DuplicateDevicePolicy.Replace;
}
