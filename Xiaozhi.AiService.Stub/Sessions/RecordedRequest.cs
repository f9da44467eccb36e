using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Sessions;

/// <summary>One <see cref="ChatRequest"/> as the stub received it.</summary>
/// <param name="Kind">The frame kind (<c>message_type</c>).</param>
/// <param name="Size">The length of <c>message_data</c>.</param>
/// <param name="SessionId">The request's <c>session_id</c> field.</param>
/// <param name="DeviceId">The request's <c>device_id</c> field.</param>
/// <param name="ClientId">The request's <c>client_id</c> field.</param>
/// <param name="Timestamp">The request's <c>timestamp</c> field, as sent.</param>
/// <param name="JsonType">For a text frame that is a JSON object with a string <c>type</c>: that type; otherwise null.</param>
/// <param name="Data">The bytes of <c>message_data</c>.</param>
internal sealed record RecordedRequest(
    ChatFrameKind Kind,
    int Size,
    string SessionId,
    string DeviceId,
    string ClientId,
    long Timestamp,
    string? JsonType,
    ReadOnlyMemory<byte> Data);
