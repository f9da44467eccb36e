namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Why the uplink pump stopped.</summary>
public enum UplinkEnd
{
    /// <summary>The device sent a close frame (or answered the IM's close).</summary>
    DeviceClosed,

    /// <summary>The connection dropped without a close handshake.</summary>
    DeviceDropped,

    /// <summary>The device sent a message over the frame limit; the IM closed with 1009.</summary>
    MessageTooBig,

    /// <summary>Writing to the AI service failed: the upstream stream is gone.</summary>
    UpstreamWriteFailed,

    /// <summary>The session was cancelled.</summary>
    Cancelled,
}
