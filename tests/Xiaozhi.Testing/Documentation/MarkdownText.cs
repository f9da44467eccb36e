using System.Text;
using System.Text.RegularExpressions;

namespace Xiaozhi.Testing.Documentation;

/// <summary>The little of Markdown the documentation checks need: sections, table rows, links and heading anchors.</summary>
public static partial class MarkdownText
{
    /// <summary>The lines from the <c>## </c> heading containing <paramref name="headingPart"/> to the next <c>## </c> heading.</summary>
    public static IReadOnlyList<string> Section(string markdown, string headingPart)
    {
        var lines = Lines(markdown);
        var start = lines.FindIndex(l => l.StartsWith("## ", StringComparison.Ordinal) && l.Contains(headingPart, StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException($"No '## ' heading containing {headingPart}.");
        }

        var end = lines.FindIndex(start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        return lines.GetRange(start + 1, (end < 0 ? lines.Count : end) - start - 1);
    }

    /// <summary>The cells of every table row (header and separator rows included), trimmed; <c>\|</c> stays inside a cell.</summary>
    public static IEnumerable<IReadOnlyList<string>> TableRows(IEnumerable<string> lines) =>
        from line in lines
        let trimmed = line.Trim()
        where trimmed.StartsWith('|') && trimmed.EndsWith('|')
        select (IReadOnlyList<string>)[.. CellSplit().Split(trimmed[1..^1]).Select(c => c.Trim())];

    /// <summary>Link targets of <c>[text](target)</c> outside code.</summary>
    public static IEnumerable<string> LinkTargets(string markdown) =>
        OutsideCode(markdown).SelectMany(line => Link().Matches(InlineCode().Replace(line, string.Empty)).Select(m => m.Groups[1].Value));

    /// <summary>GitHub's anchors of every heading (lower case, punctuation dropped, spaces → '-', repeats get -1, -2 …).</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in OutsideCode(markdown).Where(l => l.StartsWith('#')))
        {
            var text = line.TrimStart('#').Trim();
            var slug = new StringBuilder();
            foreach (var c in text.ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
            {
                anchor = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    private static List<string> Lines(string markdown) => [.. markdown.ReplaceLineEndings("\n").Split('\n')];

    private static IEnumerable<string> OutsideCode(string markdown)
    {
        var inFence = false;
        foreach (var line in Lines(markdown))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (!inFence)
            {
                yield return line;
            }
        }
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSplit();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex InlineCode();
}
