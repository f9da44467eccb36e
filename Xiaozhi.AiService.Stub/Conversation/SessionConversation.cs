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
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _streamToken;
    private readonly TurnPlayer _player;
    private readonly McpClientSession _mcp;
    private readonly object _gate = new();

    private CancellationTokenSource _turns;
    private Task _turnChain = Task.CompletedTask;
    private int _pendingTurns;
    private bool _helloReceived;
    private AudioFormat _format = AudioFormat.Opus;
    private bool _mcpStarted;
    private Task _mcpHandshake = Task.CompletedTask;
    private readonly List<Task> _background = [];

    private bool _listening;
    private ListenMode _listenMode;
    private List<ReadOnlyMemory<byte>> _utterance = [];
    private long _utteranceBytes;
    private int _utteranceGeneration;
    private bool _utteranceOverflowReported;
    private ITimer? _vadTimer;

    public SessionConversation(StubSession session, StubResponseWriter writer, StubOptions options, TimeProvider time, McpRequestIds ids, ILogger logger, CancellationToken streamToken)
    {
        _session = session;
        _writer = writer;
        _options = options;
        _time = time;
        _logger = logger;
        _streamToken = streamToken;
        _turns = CancellationTokenSource.CreateLinkedTokenSource(streamToken);
        _player = new TurnPlayer(writer, options, time, () => session.SessionId);
        _mcp = new McpClientSession(writer, ids, time, () => session.SessionId, TimeSpan.FromMilliseconds(options.McpTimeoutMs));
    }

    private string SessionId => _session.SessionId;

    /// <summary>Right after the stream opened (headers sent).</summary>
    public void OnOpened()
    {
        if (_options.McpInitializeOnConnect)
        {
            StartMcpHandshake();
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
        _mcp.FailAll();
        Task chain;
        lock (_gate)
        {
            chain = _turnChain;
        }

        try
        {
            await chain.WaitAsync(drainTimeout, _streamToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(_logger, SessionId);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        CancellationTokenSource turns;
        Task[] background;
        lock (_gate)
        {
            turns = _turns;
            _vadTimer?.Dispose();
            _vadTimer = null;
            _listening = false;
            background = [.. _background, _turnChain, _mcpHandshake];
        }

        await turns.CancelAsync().ConfigureAwait(false);
        _mcp.FailAll();
        await Task.WhenAll(background.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        turns.Dispose();
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
            StartMcpHandshake();
        }
    }

    private async Task HandleBinaryAsync(ReadOnlyMemory<byte> frame)
    {
        bool overflow;
        lock (_gate)
        {
            if (!_helloReceived)
            {
                _session.CountDroppedBinaryBeforeHello();
                return;
            }

            if (_options.Mode == StubMode.Echo)
            {
                overflow = false;
            }
            else
            {
                if (!_listening)
                {
                    return; // audio outside a listen turn is ignored, as the real service does
                }

                overflow = _utterance.Count >= _options.MaxUtteranceFrames;
                if (!overflow)
                {
                    _utterance.Add(frame);
                    _utteranceBytes += frame.Length;
                    if (_listenMode != ListenMode.Manual)
                    {
                        _vadTimer ??= _time.CreateTimer(OnVadSilence, _utteranceGeneration, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                        _vadTimer.Change(TimeSpan.FromMilliseconds(_options.VadSilenceMs), Timeout.InfiniteTimeSpan);
                    }
                }
                else if (_utteranceOverflowReported)
                {
                    return;
                }
                else
                {
                    _utteranceOverflowReported = true;
                }
            }
        }

        if (_options.Mode == StubMode.Echo)
        {
            await _writer.WriteAsync(ChatResponses.Binary(frame.Span, 0)).ConfigureAwait(false);
        }
        else if (overflow)
        {
            await ErrorAsync(StubErrorCodes.UtteranceTooLong, $"utterance exceeds {_options.MaxUtteranceFrames} frames; further frames of it are ignored").ConfigureAwait(false);
        }
    }

    private async Task HandleListenAsync(JsonElement listen)
    {
        var state = GetString(listen, "state");
        switch (state)
        {
            case "start":
                var modeText = GetString(listen, "mode") ?? "auto";
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

                lock (_gate)
                {
                    BeginUtterance(mode);
                }

                break;
            case "stop":
                StubTurn? turn;
                lock (_gate)
                {
                    turn = _listening ? EndUtterance(keepListening: false) : null;
                }

                if (turn is not null)
                {
                    StartTurn(turn);
                }

                break;
            case "detect":
                var text = GetString(listen, "text");
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
        CancellationTokenSource old;
        lock (_gate)
        {
            old = _turns;
            _turns = CancellationTokenSource.CreateLinkedTokenSource(_streamToken);
        }

        // Cancel first: every write of the old turns re-checks its token under the writer lock, so none follows the stop.
        await old.CancelAsync().ConfigureAwait(false);
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

        var isResponse = payload.TryGetProperty("id", out _) && (payload.TryGetProperty("result", out _) || payload.TryGetProperty("error", out _));
        if (isResponse && !_mcp.TryComplete(payload))
        {
            LogUnmatchedMcpResponse(_logger, SessionId);
        }

        // Requests and notifications from the device's side are accepted and ignored.
    }

    private async Task HandleChatAsync(JsonElement chat)
    {
        var text = GetString(chat, "text");
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

        CancellationToken token;
        lock (_gate)
        {
            token = _turns.Token;
        }

        Track(Task.Run(() => CallToolAndSpeakAsync(text, command!, token), CancellationToken.None));
    }

    private async Task CallToolAndSpeakAsync(string utterance, McpCommand command, CancellationToken token)
    {
        string sentence;
        try
        {
            var reply = await _mcp.CallAsync(
                "tools/call",
                w =>
                {
                    w.WriteString("name", command.ToolName);
                    w.WritePropertyName("arguments");
                    w.WriteRawValue(command.ArgumentsJson);
                },
                token).ConfigureAwait(false);
            sentence = reply.Error is { } error
                ? $"Tool {command.ToolName} failed: {error}"
                : reply.IsToolError
                    ? $"Tool {command.ToolName} failed: {reply.ResultText()}"
                    : $"Tool {command.ToolName} returned: {reply.ResultText()}";
        }
        catch (TimeoutException)
        {
            sentence = $"Tool {command.ToolName} failed: the device did not answer within {_options.McpTimeoutMs} ms";
        }
        catch (InvalidOperationException ex)
        {
            sentence = $"Tool {command.ToolName} failed: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            return; // aborted, or the stream ended
        }

        if (!token.IsCancellationRequested)
        {
            StartTurn(SyntheticTurn(utterance, sentence));
        }
    }

    private async Task HandleVisionAsync(JsonElement vision)
    {
        var cmd = GetString(vision, "cmd");
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
        if (!image.TryGetProperty("image_data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            await ErrorAsync(StubErrorCodes.ImageMissingData, "image message has no \"image_data\" object").ConfigureAwait(false);
            return;
        }

        if (GetString(data, "url") is not null && GetString(data, "data") is null)
        {
            await ErrorAsync(StubErrorCodes.ImageUrlNotSupported, "image URLs are not fetched by the stub").ConfigureAwait(false);
            return;
        }

        var base64 = GetString(data, "data");
        if (base64 is null)
        {
            await ErrorAsync(StubErrorCodes.ImageMissingData, "image_data has neither \"data\" (base64) nor \"url\"").ConfigureAwait(false);
            return;
        }

        var format = GetString(data, "format");
        if (string.IsNullOrEmpty(format))
        {
            await ErrorAsync(StubErrorCodes.ImageMissingFormat, "image_data has no \"format\" (jpeg, png, webp or gif)").ConfigureAwait(false);
            return;
        }

        var inspection = ImageInspector.Inspect(base64, format, _options.MaxImageBytes);
        if (!inspection.IsValid)
        {
            LogImageRejected(_logger, SessionId, inspection.ErrorCode!, base64.Length);
            await ErrorAsync(inspection.ErrorCode!, inspection.ErrorMessage!).ConfigureAwait(false);
            return;
        }

        LogImageAccepted(_logger, SessionId, inspection.Format!, inspection.Size);
        StartTurn(SyntheticTurn(GetString(image, "text") ?? string.Empty, inspection.Describe()));
    }

    private void StartMcpHandshake()
    {
        lock (_gate)
        {
            if (_mcpStarted)
            {
                return;
            }

            _mcpStarted = true;
            _mcpHandshake = Task.Run(RunMcpHandshakeAsync, CancellationToken.None);
        }
    }

    private async Task RunMcpHandshakeAsync()
    {
        try
        {
            var initialize = await _mcp.CallAsync(
                "initialize",
                w =>
                {
                    w.WriteString("protocolVersion", "2024-11-05");
                    w.WriteStartObject("capabilities");
                    w.WriteEndObject();
                    w.WriteStartObject("clientInfo");
                    w.WriteString("name", "xiaozhi-ai-service-stub");
                    w.WriteString("version", "1.0.0");
                    w.WriteEndObject();
                },
                _streamToken).ConfigureAwait(false);
            if (initialize.Error is not null)
            {
                LogMcpFailed(_logger, SessionId, "initialize", initialize.Error);
                return;
            }

            string? cursor = null;
            for (var page = 0; page < 100; page++)
            {
                var pageCursor = cursor;
                var list = await _mcp.CallAsync(
                    "tools/list",
                    w =>
                    {
                        if (pageCursor is not null)
                        {
                            w.WriteString("cursor", pageCursor);
                        }
                    },
                    _streamToken).ConfigureAwait(false);
                if (list.Error is not null || list.Result is not { ValueKind: JsonValueKind.Object } result)
                {
                    LogMcpFailed(_logger, SessionId, "tools/list", list.Error ?? "no result object");
                    return;
                }

                if (result.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
                {
                    _session.AddDeviceTools(tools.EnumerateArray()
                        .Select(t => t.ValueKind == JsonValueKind.Object ? GetString(t, "name") : null)
                        .OfType<string>());
                }

                cursor = GetString(result, "nextCursor");
                if (string.IsNullOrEmpty(cursor))
                {
                    break;
                }
            }

            LogMcpTools(_logger, SessionId, _session.DeviceToolNames.Count);
        }
        catch (TimeoutException)
        {
            LogMcpFailed(_logger, SessionId, "handshake", "the device did not answer in time");
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException ex)
        {
            LogMcpFailed(_logger, SessionId, "handshake", ex.Message);
        }
    }

    private void BeginUtterance(ListenMode mode)
    {
        _vadTimer?.Dispose();
        _vadTimer = null;
        _listening = true;
        _listenMode = mode;
        _utterance = [];
        _utteranceBytes = 0;
        _utteranceOverflowReported = false;
        _utteranceGeneration++;
    }

    private StubTurn EndUtterance(bool keepListening)
    {
        var frames = _utterance;
        var bytes = _utteranceBytes;
        var mode = _listenMode;
        if (keepListening)
        {
            BeginUtterance(mode);
        }
        else
        {
            _vadTimer?.Dispose();
            _vadTimer = null;
            _listening = false;
            _utterance = [];
            _utteranceBytes = 0;
            _utteranceGeneration++;
        }

        return new StubTurn($"heard {frames.Count} frames, {bytes} bytes", $"Playing back {frames.Count} frames.", frames);
    }

    private void OnVadSilence(object? state)
    {
        StubTurn? turn = null;
        lock (_gate)
        {
            if (_listening && state is int generation && generation == _utteranceGeneration && _utterance.Count > 0)
            {
                turn = EndUtterance(keepListening: _listenMode == ListenMode.Realtime);
            }
        }

        if (turn is not null)
        {
            LogVadEnd(_logger, SessionId, turn.Frames.Count);
            StartTurn(turn);
        }
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
        lock (_gate)
        {
            if (_pendingTurns < _options.MaxPendingTurns)
            {
                _pendingTurns++;
                var previous = _turnChain;
                var token = _turns.Token;
                _turnChain = Task.Run(() => PlayAfterAsync(previous, turn, token), CancellationToken.None);
                return;
            }
        }

        Track(Task.Run(() => ErrorAsync(StubErrorCodes.TooManyTurns, $"more than {_options.MaxPendingTurns} turns are waiting; this one is dropped"), CancellationToken.None));
    }

    private async Task PlayAfterAsync(Task previous, StubTurn turn, CancellationToken token)
    {
        try
        {
            await previous.ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
            LogTurn(_logger, SessionId, turn.Frames.Count);
            await _player.PlayAsync(turn, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // aborted, or the stream ended
        }
        catch (Exception ex)
        {
            LogTurnFailed(_logger, ex, SessionId);
        }
        finally
        {
            lock (_gate)
            {
                _pendingTurns--;
            }
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

    private static string? GetString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Short(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
