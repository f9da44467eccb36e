namespace Xiaozhi.Im.Service.Telemetry;

/// <summary>Which way a frame travels through the gateway.</summary>
internal enum FrameDirection
{
    /// <summary>Device → AI service.</summary>
    Uplink,

    /// <summary>AI service → device.</summary>
    Downlink,
}
