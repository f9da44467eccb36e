using System.Collections;
using System.Globalization;
using System.Reflection;

namespace Xiaozhi.Testing.Documentation;

/// <summary>
/// Every setting an assembly's options classes bind, with its default, read by reflection from fresh instances: the
/// options classes are the one source of defaults that <c>--help</c>, the sample settings and docs/configuration.md
/// are checked against. A root is a class with a <c>SectionName</c> constant; its class-typed properties are
/// sub-sections (<c>Ai:Resume</c>).
/// </summary>
public static class OptionsCatalog
{
    public static IReadOnlyList<OptionsSetting> Settings(Assembly assembly)
    {
        var settings = new List<OptionsSetting>();
        foreach (var root in Roots(assembly))
        {
            Collect(root.Type, root.Section, settings);
        }

        return settings;
    }

    /// <summary>Classes named <c>*Options</c> that are neither a root nor reached from one: settings nobody documents.</summary>
    public static IReadOnlyList<Type> Unreached(Assembly assembly)
    {
        var reached = new HashSet<Type>();
        foreach (var root in Roots(assembly))
        {
            Reach(root.Type, reached);
        }

        return [.. assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.Name.EndsWith("Options", StringComparison.Ordinal) && !reached.Contains(t))];
    }

    /// <summary>A value as the documentation writes it: <c>00:00:00.1</c>, <c>16777216</c>, <c>true</c>, <c>Replace</c>.</summary>
    public static IReadOnlyList<string> Render(object? value) => value switch
    {
        null => [],
        string s => s.Length == 0 ? [] : [s],
        bool b => [b ? "true" : "false"],
        TimeSpan t => [Duration(t)],
        Enum e => [e.ToString()],
        IFormattable f => [f.ToString(null, CultureInfo.InvariantCulture)],
        IEnumerable items => [.. items.Cast<object?>().SelectMany(Render)],
        _ => throw new NotSupportedException($"No documentation form for a {value.GetType().Name} default."),
    };

    private static string Duration(TimeSpan t)
    {
        var text = t.ToString("c", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) && text.LastIndexOf('.') > text.LastIndexOf(':')
            ? text.TrimEnd('0').TrimEnd('.')
            : text;
    }

    private static IEnumerable<(Type Type, string Section)> Roots(Assembly assembly) =>
        from type in assembly.GetTypes()
        where type.IsClass && !type.IsAbstract
        let field = type.GetField("SectionName", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        where field is { IsLiteral: true } && field.FieldType == typeof(string)
        orderby type.FullName
        select (type, (string)field.GetRawConstantValue()!);

    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.SetMethod is { IsPublic: true });

    private static bool IsSubSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type);

    private static void Collect(Type type, string prefix, List<OptionsSetting> settings)
    {
        var instance = Activator.CreateInstance(type)
            ?? throw new InvalidOperationException($"{type.Name} needs a parameterless constructor to be bound.");
        foreach (var property in Bindable(type))
        {
            var key = $"{prefix}:{property.Name}";
            if (IsSubSection(property.PropertyType))
            {
                Collect(property.PropertyType, key, settings);
                continue;
            }

            // A list whose empty default means a built-in one exposes it as Effective<Name> (Ai:Endpoints, WebSocket:Paths).
            var effective = type.GetProperty("Effective" + property.Name, BindingFlags.Public | BindingFlags.Instance);
            var value = effective is not null && typeof(IEnumerable).IsAssignableFrom(property.PropertyType)
                ? effective.GetValue(instance)
                : property.GetValue(instance);
            settings.Add(new OptionsSetting(key, type, Render(value)));
        }
    }

    private static void Reach(Type type, HashSet<Type> reached)
    {
        if (!reached.Add(type))
        {
            return;
        }

        foreach (var property in Bindable(type).Where(p => IsSubSection(p.PropertyType)))
        {
            Reach(property.PropertyType, reached);
        }
    }
}
