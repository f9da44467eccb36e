namespace Xiaozhi.Im.Service.Sessions;

/// <summary>The limits the uplink pump enforces, resolved from configuration.</summary>
/// <param name="MaxTextFrameBytes"><c>WebSocket:MaxTextFrameBytes</c>.</param>
/// <param name="MaxBinaryFrameBytes"><c>WebSocket:MaxBinaryFrameBytes</c>.</param>
/// <param name="MaxMessageBytes"><c>Ai:MaxMessageBytes</c>: the largest ChatRequest written upstream.</param>
/// <param name="InitialReceiveBufferBytes"><c>Limits:InitialReceiveBufferBytes</c>.</param>
/// <param name="CloseTimeout"><c>Limits:CloseTimeout</c>: how long a refused device may take to answer our close.</param>
internal sealed record UplinkLimits(int MaxTextFrameBytes, int MaxBinaryFrameBytes, int MaxMessageBytes, int InitialReceiveBufferBytes, TimeSpan CloseTimeout)
{
    /// <summary><c>WebSocket:MaxControlFrameBytes</c>: the largest text message that is not a chat, image or vision request.</summary>
    public int MaxControlFrameBytes { get; init; } = int.MaxValue;
}
