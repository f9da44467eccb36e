using System.Reflection;
using Microsoft.Extensions.Logging;
using Xiaozhi.Im.Service.Upstream;
using Xiaozhi.Testing.Documentation;

namespace Xiaozhi.Im.Service.Tests.Documentation;

/// <summary>
/// docs/operations.md has a row <c>| id | level | type | message |</c> for every <c>[LoggerMessage]</c> event of the IM,
/// with its level (<c>varies¹</c> when the level is a parameter) and the type that declares it, and no row for an id the
/// code does not log.
/// </summary>
public sealed class LogEventDocumentationTests
{
    [Test]
    public void Every_log_event_is_in_the_operations_table_with_its_level_and_type()
    {
        var events = LoggedEvents();
        var rows = MarkdownText.TableRows(MarkdownText.Section(RepositoryFiles.Read("docs/operations.md"), "Logging"))
            .Where(cells => cells.Count >= 4 && int.TryParse(cells[0], out _))
            .ToLookup(cells => int.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture), cells => (Level: cells[1], Type: cells[2]));

        events.Should().HaveCountGreaterThan(50, "the reflection must see the generated loggers' attributes");
        var problems = new List<string>();
        foreach (var (id, (level, type)) in events)
        {
            var documented = rows[id].ToList();
            if (documented.Count != 1)
            {
                problems.Add($"event {id}: {documented.Count} rows in docs/operations.md, expected 1 (level {level}, type {type})");
                continue;
            }

            if (documented[0].Level != level)
            {
                problems.Add($"event {id}: docs/operations.md says {documented[0].Level}, the code logs at {level}");
            }

            if (documented[0].Type != $"`{type}`")
            {
                problems.Add($"event {id}: docs/operations.md says it is logged by {documented[0].Type}, the code declares it in `{type}`");
            }
        }

        problems.AddRange(rows.Select(r => r.Key).Where(id => !events.ContainsKey(id)).Select(id => $"event {id}: documented, but nothing logs it"));
        string.Join(Environment.NewLine, problems).Should().BeEmpty();
    }

    /// <summary>Event id → the level as the table writes it, and the name of the type that declares the event.</summary>
    private static Dictionary<int, (string Level, string Type)> LoggedEvents()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var events = new Dictionary<int, (string Level, string Type)>();
        foreach (var method in typeof(AiOptions).Assembly.GetTypes().SelectMany(t => t.GetMethods(all)))
        {
            if (method.GetCustomAttribute<LoggerMessageAttribute>() is not { } attribute)
            {
                continue;
            }

            var dynamicLevel = method.GetParameters().Any(p => p.ParameterType == typeof(LogLevel));
            events.Add(attribute.EventId, (dynamicLevel ? "varies¹" : attribute.Level.ToString(), method.DeclaringType!.Name));
        }

        return events;
    }
}
