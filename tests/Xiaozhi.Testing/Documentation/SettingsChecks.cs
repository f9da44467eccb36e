using System.Text.Json;
using System.Text.RegularExpressions;

namespace Xiaozhi.Testing.Documentation;

/// <summary>
/// Compares the settings of the options classes with what a reader sees: the rows of docs/configuration.md, the lines
/// of <c>--help</c> and a sample settings file. Each check returns every problem found, one line each, so a failure
/// names all the settings to fix at once.
/// </summary>
public static partial class SettingsChecks
{
    private static readonly string[] NoDefaultWords = ["off", "none", "unset", "any", "empty"];

    /// <summary>
    /// Every setting has exactly one row <c>| `Key` | default | meaning |</c> in the program's part of the reference,
    /// whose default cell holds each default token in backticks (or starts with "—" when there is none), and every
    /// documented key is a setting or one of <paramref name="hostKeys"/>.
    /// </summary>
    public static IReadOnlyList<string> Documentation(IReadOnlyList<OptionsSetting> settings, IEnumerable<string> sectionLines, IReadOnlySet<string> hostKeys)
    {
        var rows = MarkdownText.TableRows(sectionLines)
            .Where(cells => cells.Count >= 3)
            .Select(cells => (Key: DocumentedKey(cells[0]), Default: cells[1]))
            .Where(row => row.Key is not null)
            .ToList();
        var problems = new List<string>();
        foreach (var setting in settings)
        {
            var matching = rows.Where(r => string.Equals(r.Key, setting.Key, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matching.Count != 1)
            {
                problems.Add($"{setting.Key}: {matching.Count} rows in docs/configuration.md, expected 1 ({setting})");
                continue;
            }

            var cell = matching[0].Default;
            if (!setting.HasDefault)
            {
                if (!cell.StartsWith('—'))
                {
                    problems.Add($"{setting.Key}: has no default, but docs/configuration.md says '{cell}' (write '—')");
                }
            }
            else if (setting.Default.FirstOrDefault(token => !cell.Contains($"`{token}`", StringComparison.OrdinalIgnoreCase)) is { } missing)
            {
                problems.Add($"{setting.Key}: default `{missing}` not in docs/configuration.md's cell '{cell}' ({setting})");
            }
        }

        problems.AddRange(Unknown(rows.Select(r => r.Key!), settings, hostKeys, "docs/configuration.md"));
        return problems;
    }

    /// <summary>
    /// Every setting has exactly one <c>--help</c> line starting with <c>--Key</c> (lists: <c>--Key:0</c>) that ends in
    /// <c>default …</c> holding each default token (or says off/none, or no default, when there is none), and every
    /// <c>--Section:Key</c> line names a setting or one of <paramref name="hostKeys"/>.
    /// </summary>
    public static IReadOnlyList<string> Help(IReadOnlyList<OptionsSetting> settings, string help, IReadOnlySet<string> hostKeys)
    {
        var lines = help.ReplaceLineEndings("\n").Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("--", StringComparison.Ordinal))
            .Select(l => (Key: HelpKey(l), Line: l))
            .Where(l => l.Key is not null)
            .ToList();
        var problems = new List<string>();
        foreach (var setting in settings)
        {
            var matching = lines.Where(l => string.Equals(l.Key, setting.Key, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matching.Count != 1)
            {
                problems.Add($"{setting.Key}: {matching.Count} --help lines, expected 1 ({setting})");
                continue;
            }

            var line = matching[0].Line;
            var at = line.LastIndexOf("default ", StringComparison.OrdinalIgnoreCase);
            var words = at < 0 ? [] : line[(at + "default ".Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('(', ')', ',', ';')).ToList();
            if (setting.HasDefault)
            {
                if (setting.Default.FirstOrDefault(token => !words.Contains(token, StringComparer.OrdinalIgnoreCase)) is { } missing)
                {
                    problems.Add($"{setting.Key}: --help line '{line}' does not end in 'default {string.Join(' ', setting.Default)}' (missing {missing})");
                }
            }
            else if (words.Count > 0 && !NoDefaultWords.Contains(words[0], StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{setting.Key}: has no default, but --help says 'default {words[0]}' (say 'default off' or nothing)");
            }
        }

        problems.AddRange(Unknown(lines.Select(l => l.Key!), settings, hostKeys, "--help"));
        return problems;
    }

    /// <summary>
    /// Every value under <paramref name="sample"/> but the host keys is a setting whose default it shows (placeholders
    /// <c>&lt;…&gt;</c> and empty values stand for "no default"); with <paramref name="complete"/>, every setting is there.
    /// </summary>
    public static IReadOnlyList<string> Sample(IReadOnlyList<OptionsSetting> settings, JsonElement sample, string file, bool complete, IReadOnlySet<string> hostKeys)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        Flatten(sample, null, values);
        var problems = new List<string>();
        foreach (var (key, value) in values.Where(v => !IsHost(v.Key, hostKeys)))
        {
            var setting = settings.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));
            if (setting is null)
            {
                problems.Add($"{file}: {key} is not a setting of any options class");
            }
            else if (setting.HasDefault ? !value.SequenceEqual(setting.Default, StringComparer.OrdinalIgnoreCase) : value.Any(v => !v.StartsWith('<')))
            {
                problems.Add($"{file}: {key} = {string.Join(", ", value)}, but the default is {(setting.HasDefault ? string.Join(", ", setting.Default) : "none")}");
            }
        }

        if (complete)
        {
            problems.AddRange(settings.Where(s => !values.ContainsKey(s.Key)).Select(s => $"{file}: {s.Key} missing ({s})"));
        }

        return problems;
    }

    /// <summary>Every problem on a line of its own (an assertion message that names them all).</summary>
    public static string Report(this IReadOnlyList<string> problems) => string.Join(Environment.NewLine, problems);

    private static void Flatten(JsonElement element, string? prefix, Dictionary<string, IReadOnlyList<string>> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, prefix is null ? property.Name : $"{prefix}:{property.Name}", values);
                }

                break;
            case JsonValueKind.Array:
                values[prefix!] = [.. element.EnumerateArray().Select(Scalar).Where(v => v.Length > 0)];
                break;
            default:
                values[prefix!] = Scalar(element) is { Length: > 0 } scalar ? [scalar] : [];
                break;
        }
    }

    private static string Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => string.Empty,
        _ => element.GetRawText(),
    };

    private static IEnumerable<string> Unknown(IEnumerable<string> keys, IReadOnlyList<OptionsSetting> settings, IReadOnlySet<string> hostKeys, string where) =>
        from key in keys
        where !settings.Any(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase)) && !IsHost(key, hostKeys)
        select $"{where}: {key} is documented but no options class binds it (a typo, a removed setting, or a host key to list in the test)";

    /// <summary>A host key (not an options class's): listed, or under a listed prefix ending in ':' (<c>Logging:</c>).</summary>
    private static bool IsHost(string key, IReadOnlySet<string> hostKeys) =>
        hostKeys.Contains(key) || hostKeys.Any(h => h.EndsWith(':') && key.StartsWith(h, StringComparison.OrdinalIgnoreCase));

    private static string? DocumentedKey(string cell)
    {
        var match = SingleCode().Match(cell);
        return match.Success && SettingKey().IsMatch(match.Groups[1].Value) ? match.Groups[1].Value : null;
    }

    private static string? HelpKey(string line)
    {
        var key = line[2..].Split(' ', 2)[0];
        if (key.EndsWith(":0", StringComparison.Ordinal))
        {
            key = key[..^2];
        }

        return SettingKey().IsMatch(key) ? key : null;
    }

    [GeneratedRegex("^`([^`]+)`$")]
    private static partial Regex SingleCode();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*(:[A-Za-z0-9]+)+$")]
    private static partial Regex SettingKey();
}
