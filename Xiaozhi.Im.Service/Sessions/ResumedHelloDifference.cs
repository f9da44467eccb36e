namespace Xiaozhi.Im.Service.Sessions;

/// <summary>How the hello of a resumed stream compares with the first one the device got.</summary>
internal enum ResumedHelloDifference
{
    /// <summary>Same session id and audio parameters.</summary>
    None,

    /// <summary>Only the session id differs: normal for a backend that labels each stream (the Go service does).</summary>
    SessionIdOnly,

    /// <summary>The audio parameters differ: something the device could notice.</summary>
    AudioParams,

    /// <summary>One of the hellos was not a JSON object.</summary>
    NotCompared,
}
