namespace Xiaozhi.AiService.Stub.Mcp;

/// <summary>JSON-RPC ids for the stub's MCP requests: one process-wide counter, so ids never collide, not even across sessions.</summary>
internal sealed class McpRequestIds
{
    private long _last;

    public long Next() => Interlocked.Increment(ref _last);
}
