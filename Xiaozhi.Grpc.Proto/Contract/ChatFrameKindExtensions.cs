namespace Xiaozhi.Grpc.Proto;

/// <summary>
/// Reads the frame kind of a request or response without magic numbers.
/// </summary>
public static class ChatFrameKindExtensions
{
    /// <summary>The kind of an uplink request (<c>message_type</c>); unknown values are returned as-is.</summary>
    public static ChatFrameKind GetKind(this ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (ChatFrameKind)request.MessageType;
    }

    /// <summary>The kind of a downlink response (<c>response_type</c>); unknown values are returned as-is.</summary>
    public static ChatFrameKind GetKind(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return (ChatFrameKind)response.ResponseType;
    }

    /// <summary>True for the kinds the contract defines for requests (1, 2).</summary>
    public static bool IsValidRequestKind(this ChatFrameKind kind) => kind is ChatFrameKind.Text or ChatFrameKind.Binary;

    /// <summary>True for the kinds the contract defines for responses (1, 2, 999).</summary>
    public static bool IsValidResponseKind(this ChatFrameKind kind) =>
        kind is ChatFrameKind.Text or ChatFrameKind.Binary or ChatFrameKind.Error;
}
