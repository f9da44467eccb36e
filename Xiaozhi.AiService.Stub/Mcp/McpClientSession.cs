using System.Collections.Concurrent;
using System.Text.Json;
using Xiaozhi.AiService.Stub.Conversation;
using Xiaozhi.AiService.Stub.Sessions;
using Xiaozhi.Grpc.Proto;

namespace Xiaozhi.AiService.Stub.Mcp;

/// <summary>
/// The stub as MCP client of one device: sends requests with process-unique ids and matches the device's responses
/// to them by id. At most <see cref="MaxPending"/> requests are outstanding.
/// </summary>
internal sealed class McpClientSession(StubResponseWriter writer, McpRequestIds ids, TimeProvider time, Func<string> sessionId, TimeSpan timeout)
{
    public const int MaxPending = 64;

    private readonly ConcurrentDictionary<long, TaskCompletionSource<McpReply>> _pending = new();

    /// <summary>Sends a request and waits for the matching response (or times out with <see cref="TimeoutException"/>).</summary>
    public async Task<McpReply> CallAsync(string method, Action<Utf8JsonWriter> writeParams, CancellationToken token)
    {
        if (_pending.Count >= MaxPending)
        {
            throw new InvalidOperationException($"too many MCP requests outstanding (limit {MaxPending})");
        }

        var id = ids.Next();
        var reply = new TaskCompletionSource<McpReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            await writer.WriteAsync(ChatResponses.Text(ServerMessages.McpRequest(sessionId(), id, method, writeParams), 0), token).ConfigureAwait(false);
            return await reply.Task.WaitAsync(timeout, time, token).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Completes the request this response answers; false if it answers none of ours.</summary>
    public bool TryComplete(JsonElement payload)
    {
        if (!payload.TryGetProperty("id", out var idElement))
        {
            return false;
        }

        long id;
        if (idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out var number))
        {
            id = number;
        }
        else if (idElement.ValueKind == JsonValueKind.String && long.TryParse(idElement.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            id = parsed;
        }
        else
        {
            return false;
        }

        return _pending.TryRemove(id, out var reply) && reply.TrySetResult(McpReply.From(payload));
    }

    /// <summary>Fails every outstanding request (the stream ended).</summary>
    public void FailAll()
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var reply))
            {
                reply.TrySetException(new OperationCanceledException("The stream ended before the device answered."));
            }
        }
    }
}
