namespace Xiaozhi.Im.Service.Upstream;

/// <summary>
/// A resume setting that governed two buffers under one name: <paramref name="Old"/> is still read, and sets each of
/// <paramref name="New"/> (a key and how to set it) that is not set itself.
/// </summary>
internal sealed record RenamedResumeSetting(string Old, IReadOnlyList<(string Key, Action<ResumeOptions, long> Set)> New, (long Min, long Max) Range)
{
    /// <summary>The frame and byte limits' old names, from before the held frames and the replay got a pair each.</summary>
    public static IReadOnlyList<RenamedResumeSetting> All { get; } =
    [
        new("Ai:Resume:MaxBufferedFrames",
            [("Ai:Resume:MaxHeldFrames", static (o, v) => o.MaxHeldFrames = (int)v), ("Ai:Resume:MaxReplayFrames", static (o, v) => o.MaxReplayFrames = (int)v)],
            AiOptionsValidator.ResumeFramesRange),
        new("Ai:Resume:MaxBufferedBytes",
            [("Ai:Resume:MaxHeldBytes", static (o, v) => o.MaxHeldBytes = v), ("Ai:Resume:MaxReplayBytes", static (o, v) => o.MaxReplayBytes = v)],
            AiOptionsValidator.ResumeBytesRange),
    ];

    /// <summary>The new names, for messages.</summary>
    public string NewNames => string.Join(" and ", New.Select(n => n.Key));
}
