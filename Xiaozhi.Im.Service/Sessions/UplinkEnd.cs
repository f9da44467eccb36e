namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Why the uplink pump stopped.</summary>
internal enum UplinkEnd
{
    /// <summary>The device sent a close frame (or answered the IM's close).</summary>
    DeviceClosed,

    /// <summary>The connection dropped without a close handshake.</summary>
    DeviceDropped,

    /// <summary>The device sent a message over the frame limit; the IM closed with 1009.</summary>
    MessageTooBig,

    /// <summary>The session's upstream failed for good (a resume limit was reached): the session is being closed.</summary>
    UpstreamWriteFailed,

    /// <summary>The session was cancelled.</summary>
    Cancelled,
}
