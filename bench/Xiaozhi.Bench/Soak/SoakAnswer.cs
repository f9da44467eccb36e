using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Xiaozhi.Bench.Soak;

/// <summary>
/// What a complete answer looks like from the stub (assistant mode): its text types in order, and a hash over its audio
/// frames that is sensitive to their order and boundaries (each frame hashed with its length first).
/// </summary>
internal static class SoakAnswer
{
    /// <summary><c>stt</c>, <c>llm</c>, <c>tts start</c>, <c>tts sentence_start</c>, audio, <c>tts sentence_end</c>, <c>tts stop</c>.</summary>
    public static readonly IReadOnlyList<string> TextTypes = ["stt", "llm", "tts", "tts", "tts", "tts"];

    /// <summary>The stub's synthetic audio for a chat turn (<c>Stub:SyntheticFrames</c> frames of 60 ms Opus silence).</summary>
    public const int ChatFrames = 5;

    private static readonly byte[] OpusSilence60Ms = [0xFB, 0x03, 0xFF, 0xFE, 0xFF, 0xFE, 0xFF, 0xFE];

    /// <summary>The hash a chat turn's answer has: the stub does not echo anything in it.</summary>
    public static string ChatAudioHash { get; } = Hash(Enumerable.Repeat(OpusSilence60Ms, ChatFrames));

    public static string Hash(IEnumerable<byte[]> frames)
    {
        using var hash = Start();
        foreach (var frame in frames)
        {
            Add(hash, frame);
        }

        return Finish(hash);
    }

    public static IncrementalHash Start() => IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public static void Add(IncrementalHash hash, ReadOnlySpan<byte> frame)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, frame.Length);
        hash.AppendData(length);
        hash.AppendData(frame);
    }

    public static string Finish(IncrementalHash hash) => Convert.ToHexString(hash.GetHashAndReset())[..16];
}
