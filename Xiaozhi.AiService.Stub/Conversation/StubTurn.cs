namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// One spoken answer: <c>stt</c> {SttText}, <c>llm</c>, <c>tts start</c>, <c>tts sentence_start</c> {Sentence},
/// the audio frames, <c>tts sentence_end</c>, <c>tts stop</c>.
/// </summary>
internal sealed record StubTurn(string SttText, string Sentence, IReadOnlyList<ReadOnlyMemory<byte>> Frames);
