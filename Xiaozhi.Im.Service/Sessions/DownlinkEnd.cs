using Grpc.Core;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>Why the downlink pump stopped.</summary>
/// <param name="Kind">Completed, failed or cancelled.</param>
/// <param name="Status">The gRPC status code when the stream failed.</param>
/// <param name="Responses">How many responses the stream delivered.</param>
internal readonly record struct DownlinkEnd(DownlinkEndKind Kind, StatusCode Status, long Responses = 0);
