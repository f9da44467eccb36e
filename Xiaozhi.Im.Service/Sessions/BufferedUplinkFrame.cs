using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>A device frame kept while the session has no stream.</summary>
/// <param name="Request">The request, built when the frame arrived (its ids and timestamp included).</param>
/// <param name="Tag">What the frame is, for replay decisions.</param>
/// <param name="ArrivedAt">When it was kept (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal readonly record struct BufferedUplinkFrame(ChatRequest Request, UplinkFrameTag Tag, long ArrivedAt)
{
    /// <summary>The payload bytes the frame counts against the byte limit.</summary>
    public int Bytes => Request.MessageData.Length;
}
