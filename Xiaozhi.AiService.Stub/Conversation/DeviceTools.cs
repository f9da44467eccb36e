using System.Text.Json;
using Xiaozhi.AiService.Stub.Configuration;
using Xiaozhi.AiService.Stub.Mcp;
using Xiaozhi.AiService.Stub.Sessions;

namespace Xiaozhi.AiService.Stub.Conversation;

/// <summary>
/// The stub as MCP client of the device's tools (protocol.md §6): the handshake (<c>initialize</c>, then
/// <c>tools/list</c> page by page) that records the tool names on the session, the tool calls <c>chat</c> commands
/// ask for, and the device's responses to both.
/// </summary>
internal sealed partial class DeviceTools
{
    private const int MaxToolPages = 100;

    private readonly McpClientSession _mcp;
    private readonly StubSession _session;
    private readonly StubOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _streamToken;
    private readonly Lock _gate = new();
    private Task? _handshake;

    public DeviceTools(StubResponseWriter writer, McpRequestIds ids, TimeProvider time, StubSession session, StubOptions options, ILogger logger, CancellationToken streamToken)
    {
        _mcp = new McpClientSession(writer, ids, time, () => session.SessionId, TimeSpan.FromMilliseconds(options.McpTimeoutMs));
        _session = session;
        _options = options;
        _logger = logger;
        _streamToken = streamToken;
    }

    /// <summary>The handshake, once it started (completed before; it never faults).</summary>
    public Task Handshake
    {
        get
        {
            lock (_gate)
            {
                return _handshake ?? Task.CompletedTask;
            }
        }
    }

    /// <summary>Starts the handshake in the background, the first time only.</summary>
    public void StartHandshake()
    {
        lock (_gate)
        {
            _handshake ??= Task.Run(RunHandshakeAsync, CancellationToken.None);
        }
    }

    /// <summary>A JSON-RPC object from the device: a response completes our request; its own requests and notifications are ignored.</summary>
    public void Receive(JsonElement payload)
    {
        var isResponse = payload.TryGetProperty("id", out _) && (payload.TryGetProperty("result", out _) || payload.TryGetProperty("error", out _));
        if (isResponse && !_mcp.TryComplete(payload))
        {
            LogUnmatchedMcpResponse(_logger, _session.SessionId);
        }
    }

    /// <summary>Calls the tool; the sentence to speak about its result or failure, or null when <paramref name="token"/> was cancelled.</summary>
    public async Task<string?> CallAsync(McpCommand command, CancellationToken token)
    {
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
            return reply.Error is { } error
                ? $"Tool {command.ToolName} failed: {error}"
                : reply.IsToolError
                    ? $"Tool {command.ToolName} failed: {reply.ResultText()}"
                    : $"Tool {command.ToolName} returned: {reply.ResultText()}";
        }
        catch (TimeoutException)
        {
            return $"Tool {command.ToolName} failed: the device did not answer within {_options.McpTimeoutMs} ms";
        }
        catch (InvalidOperationException ex)
        {
            return $"Tool {command.ToolName} failed: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            return null; // aborted, or the stream ended
        }
    }

    /// <summary>Fails every request still waiting for the device (the stream ended).</summary>
    public void FailAll() => _mcp.FailAll();

    private async Task RunHandshakeAsync()
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
                LogMcpFailed(_logger, _session.SessionId, "initialize", initialize.Error);
                return;
            }

            string? cursor = null;
            for (var page = 0; page < MaxToolPages; page++)
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
                    LogMcpFailed(_logger, _session.SessionId, "tools/list", list.Error ?? "no result object");
                    return;
                }

                if (result.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
                {
                    _session.AddDeviceTools(tools.EnumerateArray()
                        .Select(t => t.ValueKind == JsonValueKind.Object ? JsonFields.String(t, "name") : null)
                        .OfType<string>());
                }

                cursor = JsonFields.String(result, "nextCursor");
                if (string.IsNullOrEmpty(cursor))
                {
                    break;
                }
            }

            LogMcpTools(_logger, _session.SessionId, _session.DeviceToolNames.Count);
        }
        catch (TimeoutException)
        {
            LogMcpFailed(_logger, _session.SessionId, "handshake", "the device did not answer in time");
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException ex)
        {
            LogMcpFailed(_logger, _session.SessionId, "handshake", ex.Message);
        }
    }
}
