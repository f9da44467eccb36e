using System.Text.Json;

namespace Xiaozhi.AiService.Stub.Mcp;

/// <summary>A chat text <c>/mcp &lt;tool-name&gt; [json-arguments]</c>: call a device tool and speak the result.</summary>
internal sealed record McpCommand(string ToolName, string ArgumentsJson)
{
    public const string Prefix = "/mcp";

    public static bool IsCommand(string text) =>
        text.StartsWith(Prefix, StringComparison.Ordinal) && (text.Length == Prefix.Length || char.IsWhiteSpace(text[Prefix.Length]));

    /// <summary>Parses the command; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out McpCommand? command, out string? error)
    {
        command = null;
        var rest = text[Prefix.Length..].Trim();
        if (rest.Length == 0)
        {
            error = "usage: /mcp <tool-name> <json-arguments>";
            return false;
        }

        var space = rest.IndexOfAny([' ', '\t', '\n', '\r']);
        var name = space < 0 ? rest : rest[..space];
        var arguments = space < 0 ? "{}" : rest[space..].Trim();
        if (arguments.Length == 0)
        {
            arguments = "{}";
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"the arguments of /mcp {name} must be a JSON object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}";
                return false;
            }

            command = new McpCommand(name, document.RootElement.GetRawText());
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"the arguments of /mcp {name} are not valid JSON: {ex.Message}";
            return false;
        }
    }
}
