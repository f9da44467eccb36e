namespace Xiaozhi.Im.Service.Sessions;

/// <summary>How the session's response stream ended.</summary>
internal enum DownlinkEndKind
{
    /// <summary>The AI service ended the stream with status OK.</summary>
    Completed,

    /// <summary>The stream failed (connection lost, GOAWAY, error status).</summary>
    Failed,

    /// <summary>The session cancelled it.</summary>
    Cancelled,
}
