using Microsoft.Extensions.Logging;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.Im.Service.Sessions;

/// <summary>
/// The bytes a <see cref="ConversationLedger"/> keeps for a replay and the three bounds they answer to: the utterance's
/// own (<c>Ai:Resume:MaxReplayFrames</c> / <c>MaxReplayBytes</c>), the session's over hello, listen start and utterance
/// together (<c>Limits:MaxKeptBytesPerSession</c>), and the node's budget, in which the utterance's bytes are reserved.
/// Not thread-safe: the ledger guards it.
/// </summary>
internal sealed partial class ReplayBytes
{
    private readonly int _maxUtteranceFrames;
    private readonly long _maxUtteranceBytes;
    private readonly long _maxKeptBytes;
    private readonly NodeBufferBudget _budget;
    private readonly ILogger _logger;

    public ReplayBytes(int maxUtteranceFrames, long maxUtteranceBytes, long maxKeptBytes, NodeBufferBudget budget, ILogger logger)
    {
        _maxUtteranceFrames = maxUtteranceFrames;
        _maxUtteranceBytes = maxUtteranceBytes;
        _maxKeptBytes = maxKeptBytes;
        _budget = budget;
        _logger = logger;
    }

    /// <summary>Payload bytes of the kept utterance (reserved in the node's budget).</summary>
    public long UtteranceBytes { get; private set; }

    /// <summary>What the session keeps in all, each request counted once (a listen start heading the utterance is in it).</summary>
    public long Kept(ChatRequest? hello, ChatRequest? listenStart, bool listenStartInUtterance) =>
        (hello?.MessageData.Length ?? 0) + (listenStart is not null && !listenStartInUtterance ? listenStart.MessageData.Length : 0) + UtteranceBytes;

    /// <summary>True when <paramref name="kept"/> bytes pass the session's limit.</summary>
    public bool OverSessionLimit(long kept) => kept > _maxKeptBytes;

    /// <summary>
    /// True when <paramref name="request"/> (a hello or listen start, <paramref name="what"/>) may be kept beside
    /// <paramref name="other"/>, the other of the two; false (logged) when the two alone pass the session's limit.
    /// </summary>
    public bool Fits(ChatRequest request, ChatRequest? other, string what)
    {
        var bytes = (long)request.MessageData.Length + (other?.MessageData.Length ?? 0);
        if (bytes <= _maxKeptBytes)
        {
            return true;
        }

        LogControlNotKept(_logger, what, request.MessageData.Length, _maxKeptBytes);
        return false;
    }

    /// <summary>
    /// Counts <paramref name="bytes"/> more for an utterance of <paramref name="frames"/> frames while the session keeps
    /// <paramref name="kept"/> (<paramref name="countedInKept"/>: the request is in it already); false (logged, nothing
    /// counted) past a limit or the node's budget.
    /// </summary>
    public bool TryAdd(int frames, int bytes, long kept, bool countedInKept)
    {
        if (frames >= _maxUtteranceFrames || UtteranceBytes + bytes > _maxUtteranceBytes
            || kept + (countedInKept ? 0 : bytes) > _maxKeptBytes)
        {
            LogUtteranceTooLong(_logger, frames + 1, UtteranceBytes + bytes);
            return false;
        }

        if (!_budget.TryReserve(bytes))
        {
            LogNodeBudgetFull(_logger, bytes, _budget.Reserved, _budget.Capacity);
            return false;
        }

        UtteranceBytes += bytes;
        return true;
    }

    /// <summary>The utterance was dropped or answered: its bytes go back to the node's budget.</summary>
    public void ReleaseUtterance()
    {
        _budget.Release(UtteranceBytes);
        UtteranceBytes = 0;
    }

    [LoggerMessage(EventId = 4404, Level = LogLevel.Information, Message = "The open utterance passed {Frames} frames / {Bytes} bytes: after a lost stream only its listen start will be replayed")]
    private static partial void LogUtteranceTooLong(ILogger logger, int frames, long bytes);

    [LoggerMessage(EventId = 4405, Level = LogLevel.Warning, Message = "Not kept for a replay: {Bytes} bytes would pass Limits:NodeBufferedBytes ({Reserved} of {Capacity} reserved on this node); after a lost stream the open request is reported lost")]
    private static partial void LogNodeBudgetFull(ILogger logger, long bytes, long reserved, long capacity);

    [LoggerMessage(EventId = 4406, Level = LogLevel.Warning, Message = "The device's {Message} ({Bytes} bytes) passes Limits:MaxKeptBytesPerSession ({Limit}) and is not kept: a resume will not replay it")]
    private static partial void LogControlNotKept(ILogger logger, string message, int bytes, long limit);
}
