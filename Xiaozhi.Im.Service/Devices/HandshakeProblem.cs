namespace Xiaozhi.Im.Service.Devices;

/// <summary>Why a handshake is unusable (HTTP 400): each its own <c>reason</c> label of the refused-upgrades metric.</summary>
internal enum HandshakeProblem
{
    /// <summary>An id header (or its query twin) that is not printable ASCII of at most 256 characters.</summary>
    BadIdHeader,

    /// <summary>A <c>Protocol-Version</c> other than 1, 2 or 3.</summary>
    BadProtocolVersion,
}
