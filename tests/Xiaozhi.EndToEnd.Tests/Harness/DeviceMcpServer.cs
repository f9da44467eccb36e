using System.Text.Json;
using System.Text.Json.Nodes;

namespace Xiaozhi.EndToEnd.Tests.Harness;

/// <summary>
/// The device's MCP server (protocol.md §6), as firmware runs it: answers <c>initialize</c>, pages
/// <c>tools/list</c> with <c>nextCursor</c>, and answers <c>tools/call</c>.
/// </summary>
public sealed class DeviceMcpServer(DeviceClient device, IReadOnlyList<string> tools, int pageSize = 2)
{
    public List<string> MethodsSeen { get; } = [];

    /// <summary>If the frame is an MCP request, answers it and returns true.</summary>
    public async Task<bool> TryAnswerAsync(DeviceFrame frame)
    {
        if (frame.JsonType != "mcp")
        {
            return false;
        }

        var payload = frame.Json().GetProperty("payload");
        if (!payload.TryGetProperty("method", out var methodElement) || !payload.TryGetProperty("id", out var id))
        {
            return false;
        }

        var method = methodElement.GetString()!;
        MethodsSeen.Add(method);
        JsonNode result = method switch
        {
            "initialize" => new JsonObject
            {
                ["protocolVersion"] = "2024-11-05",
                ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                ["serverInfo"] = new JsonObject { ["name"] = "e2e-device", ["version"] = "1.0.0" },
            },
            "tools/list" => ToolsPage(payload),
            "tools/call" => CallResult(payload),
            _ => new JsonObject(),
        };

        var answer = new JsonObject
        {
            ["type"] = "mcp",
            ["payload"] = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonNode.Parse(id.GetRawText()), ["result"] = result },
        };
        await device.SendTextAsync(answer.ToJsonString());
        return true;
    }

    private JsonObject ToolsPage(JsonElement payload)
    {
        var start = 0;
        if (payload.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("cursor", out var cursor) && cursor.ValueKind == JsonValueKind.String)
        {
            start = int.Parse(cursor.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        }

        var page = new JsonArray(tools.Skip(start).Take(pageSize)
            .Select(t => (JsonNode)new JsonObject { ["name"] = t, ["description"] = t, ["inputSchema"] = new JsonObject { ["type"] = "object" } }).ToArray());
        var result = new JsonObject { ["tools"] = page };
        if (start + pageSize < tools.Count)
        {
            result["nextCursor"] = (start + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return result;
    }

    private static JsonObject CallResult(JsonElement payload)
    {
        var name = payload.GetProperty("params").GetProperty("name").GetString();
        var arguments = payload.GetProperty("params").TryGetProperty("arguments", out var a) ? a.GetRawText() : "{}";
        return new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = $"{name} ok {arguments}" }),
            ["isError"] = false,
        };
    }
}
