namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>Everything a device received for one turn, up to and including <c>tts stop</c>.</summary>
public sealed record TurnReply(IReadOnlyList<DeviceFrame> Frames)
{
    public IReadOnlyList<string?> JsonTypes => Frames.Where(f => f.IsText).Select(f => f.JsonType).ToList();

    public IReadOnlyList<byte[]> Audio => Frames.Where(f => f.IsBinary).Select(f => f.Data).ToList();

    public DeviceFrame Single(string type, string? state = null) =>
        Frames.Single(f => f.JsonType == type && (state is null || f.Get("state") == state));

    public string? SttText => Single("stt").Get("text");

    public string? SentenceText => Single("tts", "sentence_start").Get("text");

    /// <summary>The text-frame sequence, e.g. stt, llm, tts:start, tts:sentence_start, tts:sentence_end, tts:stop.</summary>
    public IReadOnlyList<string> Sequence => Frames.Where(f => f.IsText)
        .Select(f => f.JsonType == "tts" ? $"tts:{f.Get("state")}" : f.JsonType ?? f.Text).ToList();
}
