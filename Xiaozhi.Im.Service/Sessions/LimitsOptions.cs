namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Timing and buffer limits (section <c>Limits</c>).</summary>
public sealed class LimitsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Limits";

    /// <summary>How long the IM waits for the device's close answer (and for a blocked send) before aborting. Default 2 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After the device left: how long the response stream may take to end before the call is cancelled. Default 2 s.</summary>
    public TimeSpan UpstreamDrainTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Initial pooled receive buffer per session; grows up to the frame limit for large messages. Default 16 KiB.</summary>
    public int InitialReceiveBufferBytes { get; set; } = 16 * 1024;
}
