using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Tests.Infrastructure;

/// <summary>A whole turn as received: stt text, the llm message, the sentence text and the audio frames.</summary>
public sealed record TurnResult(string SttText, JsonElement Llm, string Sentence, IReadOnlyList<byte[]> Frames);
