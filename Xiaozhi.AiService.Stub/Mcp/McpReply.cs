using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Mcp;

/// <summary>The device's answer to one of the stub's MCP requests: a <c>result</c> or an <c>error</c>.</summary>
internal sealed record McpReply(JsonElement? Result, string? Error)
{
    public static McpReply From(JsonElement payload)
    {
        if (payload.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()!
                : error.GetRawText();
            var code = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) ? c.GetRawText() : null;
            return new McpReply(null, code is null ? message : $"{message} (code {code})");
        }

        return new McpReply(payload.TryGetProperty("result", out var result) ? result.Clone() : null, null);
    }

    /// <summary>A tools/call result as text: the <c>text</c> of its content items, else its raw JSON.</summary>
    public string ResultText()
    {
        if (Result is not { } result)
        {
            return string.Empty;
        }

        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
        {
            var texts = content.EnumerateArray()
                .Where(item => item.ValueKind == JsonValueKind.Object && item.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(item => item.GetProperty("text").GetString())
                .ToArray();
            if (texts.Length > 0)
            {
                return string.Join(" ", texts);
            }
        }

        return result.GetRawText();
    }

    public bool IsToolError =>
        Error is not null ||
        (Result is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("isError", out var e) && e.ValueKind == JsonValueKind.True);
}
