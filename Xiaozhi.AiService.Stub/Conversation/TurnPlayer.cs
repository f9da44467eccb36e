using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// Plays a <see cref="StubTurn"/> to the stream. Audio is paced like the real service: the first
/// <c>Stub:PacingBurstFrames</c> frames at once, then frame i is due at start + (i - burst + 1) × frame duration on
/// the injected <see cref="TimeProvider"/> (deadline-based, so it does not drift).
/// </summary>
internal sealed class TurnPlayer(StubResponseWriter writer, StubOptions options, TimeProvider time, Func<string> sessionId)
{
    public const int FrameDurationMs = 60;

    public async Task PlayAsync(StubTurn turn, CancellationToken token)
    {
        if (writer.Faults.NextTurnFails())
        {
            await writer.WriteAsync(ChatResponses.Error(StubErrorCodes.TurnFailed, "turn failed (Stub:Faults:FailEveryNthTurn)", 0), token).ConfigureAwait(false);
            return;
        }

        // Stub:Faults:MaxConcurrentTurns: the turn waits here for a slot, as on a busy GPU box.
        using var slot = await writer.Faults.EnterTurnAsync(token).ConfigureAwait(false);
        await Text(ServerMessages.Stt(sessionId(), turn.SttText), token).ConfigureAwait(false);
        await Text(ServerMessages.LlmHappy(sessionId()), token).ConfigureAwait(false);
        await Text(ServerMessages.Tts(sessionId(), "start"), token).ConfigureAwait(false);
        await Text(ServerMessages.Tts(sessionId(), "sentence_start", turn.Sentence), token).ConfigureAwait(false);

        var start = time.GetTimestamp();
        var frameDuration = TimeSpan.FromMilliseconds(FrameDurationMs);
        for (var i = 0; i < turn.Frames.Count; i++)
        {
            if (options.PacingEnabled && i >= options.PacingBurstFrames)
            {
                var due = frameDuration * (i - options.PacingBurstFrames + 1);
                var wait = due - time.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, token).ConfigureAwait(false);
                }
            }

            await writer.WriteAsync(ChatResponses.Binary(turn.Frames[i].Span, 0), token).ConfigureAwait(false);
        }

        await Text(ServerMessages.Tts(sessionId(), "sentence_end", turn.Sentence), token).ConfigureAwait(false);
        await Text(ServerMessages.Tts(sessionId(), "stop"), token).ConfigureAwait(false);
    }

    private Task Text(byte[] json, CancellationToken token) => writer.WriteAsync(ChatResponses.Text(json, 0), token);
}
