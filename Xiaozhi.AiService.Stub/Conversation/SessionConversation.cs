using System.Text.Json;
using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.AiService.Stub.Mcp;
using Xiaozhi.AiService.Stub.Media;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// What the stub does with one session's frames (protocol.md §2–§6). Requests are handled one at a time by the
/// stream's read loop; turns play in the background, one after another, so <c>abort</c> and MCP responses are read
/// while a turn is speaking. Every bad input becomes a 999 error on this stream only.
/// </summary>
internal sealed partial class SessionConversation : IAsyncDisposable
{
    private static readonly string[] VisionCommands = ["gen_pic", "gen_video", "read_img"];

    private readonly StubSession _session;
    private readonly StubResponseWriter _writer;
    private readonly StubOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _streamToken;
    private readonly UtteranceListener _listener;
    private readonly TurnQueue _turns;
    private readonly DeviceTools _tools;
    private readonly Lock _gate = new();
    private readonly List<Task> _background = [];

    private bool _helloReceived;
    private AudioFormat _format = AudioFormat.Opus;

    public SessionConversation(StubSession session, StubResponseWriter writer, StubOptions options, TimeProvider time, McpRequestIds ids, ILogger logger, CancellationToken streamToken)
    {
        _session = session;
        _writer = writer;
        _options = options;
        _logger = logger;
        _streamToken = streamToken;
        _listener = new UtteranceListener(options, time, OnVadSilence);
        _turns = new TurnQueue(new TurnPlayer(writer, options, time, () => session.SessionId), options.MaxPendingTurns, session, logger, streamToken);
        _tools = new DeviceTools(writer, ids, time, session, options, logger, streamToken);
    }

    private string SessionId => _session.SessionId;

    /// <summary>Right after the stream opened (headers sent).</summary>
    public void OnOpened()
    {
        if (_options.McpInitializeOnConnect)
        {
            _tools.StartHandshake();
        }
    }

    /// <summary>Handles one request; never throws for bad input (answers 999 instead).</summary>
    public async Task HandleAsync(ChatRequest request, DeviceText? text)
    {
        try
        {
            switch (request.GetKind())
            {
                case ChatFrameKind.Text:
                    await HandleTextAsync(request, text!).ConfigureAwait(false);
                    break;
                case ChatFrameKind.Binary:
                    await HandleBinaryAsync(request.MessageData.Memory).ConfigureAwait(false);
                    break;
                default:
                    await ErrorAsync(StubErrorCodes.InvalidMessageType, $"message_type {request.MessageType} is not 1 (text) or 2 (binary)").ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (_streamToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogHandlerFailed(_logger, ex, SessionId, request.MessageType, request.MessageData.Length);
            await ErrorAsync(StubErrorCodes.Internal, $"the stub could not handle this {request.GetKind()} frame: {ex.GetType().Name}").ConfigureAwait(false);
        }
    }

    /// <summary>The request stream ended: let the turns already queued finish (bounded), then stop.</summary>
    public async Task CompleteAsync(TimeSpan drainTimeout)
    {
        _tools.FailAll();
        await _turns.DrainAsync(drainTimeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        Task[] background;
        lock (_gate)
        {
            background = [.. _background, _tools.Handshake];
        }

        var turns = _turns.StopAsync();
        _tools.FailAll();
        await Task.WhenAll(background.Append(turns).Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        _turns.Dispose();
    }

    private async Task HandleTextAsync(ChatRequest request, DeviceText text)
    {
        if (!text.IsJsonObject)
        {
            // Non-JSON text (and JSON that is not an object) is echoed byte for byte: devices use it as a ping.
            await _writer.WriteAsync(ChatResponses.Text(request.MessageData.Span, 0)).ConfigureAwait(false);
            return;
        }

        var root = text.Document!.RootElement;
        switch (text.Type)
        {
            case null:
                await ErrorAsync(StubErrorCodes.MissingType, "JSON text frame has no string \"type\" field").ConfigureAwait(false);
                break;
            case "hello":
                await HandleHelloAsync(root).ConfigureAwait(false);
                break;
            case "listen":
                await HandleListenAsync(root).ConfigureAwait(false);
                break;
            case "abort":
                await HandleAbortAsync().ConfigureAwait(false);
                break;
            case "mcp":
                await HandleMcpAsync(root).ConfigureAwait(false);
                break;
            case "chat":
                await HandleChatAsync(root).ConfigureAwait(false);
                break;
            case "image":
                await HandleImageAsync(root).ConfigureAwait(false);
                break;
            case "vision":
                await HandleVisionAsync(root).ConfigureAwait(false);
                break;
            case "iot" or "goodbye":
                // Legacy types the real service accepts and the stub has nothing to do for.
                break;
            default:
                _session.CountIgnoredUnknownType();
                LogUnknownType(_logger, SessionId, text.Type.Length > 32 ? text.Type[..32] : text.Type);
                break;
        }
    }

    private async Task HandleHelloAsync(JsonElement hello)
    {
        var format = hello.TryGetProperty("audio_params", out var audio) && audio.ValueKind == JsonValueKind.Object &&
                     audio.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String &&
                     string.Equals(f.GetString(), "pcm", StringComparison.OrdinalIgnoreCase)
            ? AudioFormat.Pcm
            : AudioFormat.Opus;
        var wantsMcp = hello.TryGetProperty("features", out var features) && features.ValueKind == JsonValueKind.Object &&
                       features.TryGetProperty("mcp", out var mcp) && mcp.ValueKind == JsonValueKind.True;
        lock (_gate)
        {
            _helloReceived = true;
            _format = format;
        }

        var formatName = format == AudioFormat.Pcm ? "pcm" : "opus";
        LogHello(_logger, SessionId, formatName, wantsMcp);
        await _writer.WriteAsync(ChatResponses.Text(ServerMessages.Hello(SessionId, formatName, 16_000, TurnPlayer.FrameDurationMs), 0)).ConfigureAwait(false);
        if (wantsMcp)
        {
            _tools.StartHandshake();
        }
    }

    private async Task HandleBinaryAsync(ReadOnlyMemory<byte> frame)
    {
        AudioFormat format;
        lock (_gate)
        {
            if (!_helloReceived)
            {
                _session.CountDroppedBinaryBeforeHello();
                return;
            }

            format = _format;
        }

        if (_options.Mode == StubMode.Echo)
        {
            if (!frame.IsEmpty)
            {
                // A zero-byte frame is an end-of-speech marker, not audio: nothing to echo.
                await _writer.WriteAsync(ChatResponses.Binary(frame.Span, 0)).ConfigureAwait(false);
            }
        }
        else if (_listener.Hear(frame, format))
        {
            await ErrorAsync(StubErrorCodes.UtteranceTooLong, $"utterance exceeds {_options.MaxUtteranceFrames} frames; further frames of it are ignored").ConfigureAwait(false);
        }
    }

    private async Task HandleListenAsync(JsonElement listen)
    {
        var state = JsonFields.String(listen, "state");
        switch (state)
        {
            case "start":
                var modeText = JsonFields.String(listen, "mode") ?? "auto";
                ListenMode mode;
                switch (modeText)
                {
                    case "manual": mode = ListenMode.Manual; break;
                    case "auto": mode = ListenMode.Auto; break;
                    case "realtime": mode = ListenMode.Realtime; break;
                    default:
                        await ErrorAsync(StubErrorCodes.InvalidListen, $"listen mode '{Short(modeText)}' is not manual, auto or realtime").ConfigureAwait(false);
                        return;
                }

                if (_options.Mode == StubMode.Echo)
                {
                    return;
                }

                _listener.Begin(mode);
                break;
            case "stop":
                if (_listener.Stop() is { } turn)
                {
                    StartTurn(turn);
                }

                break;
            case "detect":
                var text = JsonFields.String(listen, "text");
                if (string.IsNullOrEmpty(text))
                {
                    await ErrorAsync(StubErrorCodes.InvalidListen, "listen detect needs a non-empty \"text\" (the wake word)").ConfigureAwait(false);
                    return;
                }

                StartTurn(ChatTurn(text));
                break;
            case null:
                await ErrorAsync(StubErrorCodes.InvalidListen, "listen message has no string \"state\"").ConfigureAwait(false);
                break;
            default:
                await ErrorAsync(StubErrorCodes.InvalidListen, $"listen state '{Short(state)}' is not start, stop or detect").ConfigureAwait(false);
                break;
        }
    }

    private async Task HandleAbortAsync()
    {
        // Cancel first, so no write of the aborted turns follows the stop.
        await _turns.AbortAsync().ConfigureAwait(false);
        LogAbort(_logger, SessionId);
        await _writer.WriteAsync(ChatResponses.Text(ServerMessages.Tts(SessionId, "stop"), 0)).ConfigureAwait(false);
    }

    private async Task HandleMcpAsync(JsonElement message)
    {
        if (!message.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
        {
            await ErrorAsync(StubErrorCodes.InvalidMcp, "mcp message has no JSON-RPC object in \"payload\"").ConfigureAwait(false);
            return;
        }

        _tools.Receive(payload);
    }

    private async Task HandleChatAsync(JsonElement chat)
    {
        var text = JsonFields.String(chat, "text");
        if (text is null)
        {
            await ErrorAsync(StubErrorCodes.InvalidChat, "chat message has no string \"text\"").ConfigureAwait(false);
            return;
        }

        if (!McpCommand.IsCommand(text))
        {
            StartTurn(ChatTurn(text));
            return;
        }

        if (!McpCommand.TryParse(text, out var command, out var error))
        {
            await ErrorAsync(StubErrorCodes.McpInvalidArguments, error!).ConfigureAwait(false);
            return;
        }

        var token = _turns.Token;
        Track(Task.Run(() => CallToolAndSpeakAsync(text, command!, token), CancellationToken.None));
    }

    private async Task CallToolAndSpeakAsync(string utterance, McpCommand command, CancellationToken token)
    {
        if (await _tools.CallAsync(command, token).ConfigureAwait(false) is { } sentence && !token.IsCancellationRequested)
        {
            StartTurn(SyntheticTurn(utterance, sentence));
        }
    }

    private async Task HandleVisionAsync(JsonElement vision)
    {
        var cmd = JsonFields.String(vision, "cmd");
        if (string.IsNullOrEmpty(cmd))
        {
            await ErrorAsync(StubErrorCodes.VisionMissingCmd, "vision message has no \"cmd\"; expected gen_pic, gen_video or read_img").ConfigureAwait(false);
            return;
        }

        if (!VisionCommands.Contains(cmd))
        {
            await ErrorAsync(StubErrorCodes.VisionUnknownCmd, $"vision cmd '{Short(cmd)}' is unknown; expected gen_pic, gen_video or read_img").ConfigureAwait(false);
            return;
        }

        var parameters = vision.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object ? p.EnumerateObject().Count() : 0;
        StartTurn(SyntheticTurn($"vision {cmd}", $"Vision command {cmd} acknowledged with {parameters} parameter(s)."));
    }

    private async Task HandleImageAsync(JsonElement image)
    {
        var (base64, format, missing) = ImageData.Read(image);
        if (missing is not null)
        {
            await ErrorAsync(missing.ErrorCode!, missing.ErrorMessage!).ConfigureAwait(false);
            return;
        }

        var inspection = ImageInspector.Inspect(base64!, format!, _options.MaxImageBytes);
        if (!inspection.IsValid)
        {
            LogImageRejected(_logger, SessionId, inspection.ErrorCode!, base64!.Length);
            await ErrorAsync(inspection.ErrorCode!, inspection.ErrorMessage!).ConfigureAwait(false);
            return;
        }

        LogImageAccepted(_logger, SessionId, inspection.Format!, inspection.Size);
        StartTurn(SyntheticTurn(JsonFields.String(image, "text") ?? string.Empty, inspection.Describe()));
    }

    private void OnVadSilence(StubTurn turn)
    {
        LogVadEnd(_logger, SessionId, turn.Frames.Count);
        StartTurn(turn);
    }

    private StubTurn ChatTurn(string text) => SyntheticTurn(text, $"You said: {text}");

    private StubTurn SyntheticTurn(string sttText, string sentence)
    {
        AudioFormat format;
        lock (_gate)
        {
            format = _format;
        }

        return new StubTurn(sttText, sentence, SyntheticAudio.Frames(format, _options.SyntheticFrames));
    }

    private void StartTurn(StubTurn turn)
    {
        if (!_turns.TryEnqueue(turn))
        {
            Track(Task.Run(() => ErrorAsync(StubErrorCodes.TooManyTurns, $"more than {_options.MaxPendingTurns} turns are waiting; this one is dropped"), CancellationToken.None));
        }
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    private async Task ErrorAsync(string code, string message)
    {
        LogError999(_logger, SessionId, code);
        try
        {
            await _writer.WriteAsync(ChatResponses.Error(code, message, 0)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_streamToken.IsCancellationRequested)
        {
        }
    }

    private static string Short(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
