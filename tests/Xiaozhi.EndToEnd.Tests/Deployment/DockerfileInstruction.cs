namespace Xiaozhi.EndToEnd.Tests.Deployment;

/// <summary>One Dockerfile instruction (continuation lines joined), in the stage it belongs to.</summary>
internal sealed record DockerfileInstruction(string Stage, string Keyword, string Arguments)
{
    /// <summary>The instructions of a Dockerfile; a stage is named by its <c>AS</c> (else its index).</summary>
    public static IReadOnlyList<DockerfileInstruction> Parse(string dockerfile)
    {
        var instructions = new List<DockerfileInstruction>();
        var stage = string.Empty;
        var pending = string.Empty;
        foreach (var raw in dockerfile.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var text = (pending + line).Trim();
            pending = string.Empty;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var keyword = text[..space].ToUpperInvariant();
            var arguments = text[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stage = parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase)
                    ? parts[2]
                    : instructions.Count(i => i.Keyword == "FROM").ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            instructions.Add(new DockerfileInstruction(stage, keyword, arguments));
        }

        return instructions;
    }
}
