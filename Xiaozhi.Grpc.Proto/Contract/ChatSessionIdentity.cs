namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// The three ids that travel on every <see cref="ChatRequest"/>, audio included.
/// </summary>
/// <param name="SessionId">The session (= the device's WebSocket connection).</param>
/// <param name="DeviceId">The device's MAC address.</param>
/// <param name="ClientId">The per-install UUID.</param>
public readonly record struct ChatSessionIdentity(string SessionId, string DeviceId, string ClientId);
